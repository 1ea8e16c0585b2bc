// `osconf render`: what osconf would write for os.conf on this (or another) distribution; touches nothing.
import { formatIssue } from '../config/model.js';
import { detectProfile, type Detection } from '../distro/detect.js';
import { probeHost, resolverFacts } from '../apply/gather.js';
import { ConfigRejectedError } from '../errors.js';
import { NodeHost } from '../host/node-host.js';
import { log } from '../log.js';
import { formatMode } from '../render/file.js';
import { EDITED_FILES } from '../render/index.js';
import { renderSystem, type SystemRender } from '../render/system.js';
import { loadConfig } from './load-config.js';
import { parseStack } from './stack-option.js';
import { rootOption } from './paths.js';

export interface RenderOptions {
  conf: string;
  stack?: string;
  root?: string;
  json?: boolean;
}

export async function runRender(options: RenderOptions, out: (text: string) => void): Promise<number> {
  const stack = parseStack(options.stack);
  const { path, result } = await loadConfig(options.conf);
  for (const w of result.warnings) log().warn(formatIssue(w, path));
  if (result.errors.length > 0) {
    for (const e of result.errors) log().error(formatIssue(e, path));
    throw new ConfigRejectedError(`${path}: rejected (${result.errors.length} error${result.errors.length === 1 ? '' : 's'})`);
  }
  // With only --stack, render offline: no root is read. Otherwise read the target root (default /).
  const root = rootOption(options.root) ?? (stack ? null : '/');
  let detection: Detection;
  let rendered: SystemRender;
  if (root === null) {
    detection = detectProfile({ osRelease: null, paths: new Set(), enabled: new Set(), nmPlugins: null }, { stack: stack! });
    rendered = renderSystem({ config: result.config, profile: detection.profile });
  } else {
    // Read like apply reads, through the Host: never through a link at the file itself.
    const host = new NodeHost(root);
    const facts = await probeHost(host);
    detection = detectProfile(facts, stack ? { stack } : undefined);
    const files = new Map<string, string | null>();
    for (const p of EDITED_FILES) {
      const info = await host.info(p);
      files.set(p, info && !info.isSymlink ? await host.read(p) : null);
    }
    rendered = renderSystem({ config: result.config, profile: detection.profile, existing: (p) => files.get(p) ?? null, resolver: await resolverFacts(host) });
  }
  for (const note of rendered.notes) log().info(note);

  if (options.json) {
    const json = {
      profile: detection.label,
      flavor: detection.profile.id,
      stack: detection.profile.stack,
      reasons: detection.reasons,
      files: rendered.files.map((f) => ({ path: f.path, mode: formatMode(f.mode), concern: f.concern, content: f.content })),
      notes: rendered.notes,
    };
    out(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    out(`# profile ${detection.label} (${detection.profile.id}: ${detection.profile.description}); stack ${detection.profile.stack ?? 'none'}\n`);
    for (const reason of detection.reasons) out(`#   ${reason}\n`);
    for (const f of rendered.files) out(`\n--- ${f.path} (${formatMode(f.mode)}, ${f.concern})\n${f.content}`);
  }
  return 0;
}

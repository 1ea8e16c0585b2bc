// madge ships no types; this declares the part test/unit/layers.test.ts uses.
declare module 'madge' {
  interface MadgeConfig {
    fileExtensions?: string[];
    /** A tsconfig.json path (its paths and module resolution are used to resolve imports). */
    tsConfig?: string;
    detectiveOptions?: Record<string, Record<string, unknown>>;
  }
  interface MadgeResult {
    /** Module → the modules it imports, as paths relative to the common base directory. */
    obj(): Record<string, string[]>;
    /** Imports that could not be resolved to a file. */
    warnings(): { skipped: string[] };
  }
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
}

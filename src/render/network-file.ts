// A network stack's rendered file, with the NICs it configures: the planner brings up exactly those NICs
// when the file changes.
import type { PlannedFile } from './file.js';

export interface NetworkFile extends PlannedFile {
  /** os.conf names (`eth0`) of the NICs this file configures. */
  nics: string[];
}

// Show-output parsers: what a device says about its packet captures and mirror sessions.
// Pure: no I/O, no clock. Preliminary skeleton; per-platform parsers follow.
import type { Platform } from '../types.js';
import type { DeviceFindings } from '../../src/types.js';

export interface ShowOutput {
  command: string;
  output: string;
}

/** Parses the outputs of the show commands run on one device into findings. Pure. */
export function parseShowOutputs(platform: Platform, outputs: ShowOutput[]): DeviceFindings {
  void platform;
  const truncated = outputs.some((o) => isTruncated(o.output));
  const supported = outputs.length === 0 || outputs.some((o) => !isRejected(o.output));
  return truncated ? { supported, captures: [], sessions: [], truncated } : { supported, captures: [], sessions: [] };
}

/** Splits a saved transcript (RANCID, Oxidized, terminal log: prompts and echoed commands included) into outputs. */
export function splitTranscript(text: string): ShowOutput[] {
  return [{ command: '', output: text }];
}

/** True when the output is the device rejecting the command (`% Invalid input`, `ERROR:`, `% Unrecognized`…): "unsupported", not "none". */
export function isRejected(output: string): boolean {
  return /^\s*(% ?(Invalid input|Unrecognized|Incomplete command|Ambiguous command)|ERROR:)/im.test(output);
}

/** True when the output ends in or contains a pager prompt (`--More--`, ` --More-- `, `<--- More --->`): truncated, not complete. */
export function isTruncated(output: string): boolean {
  return /--More--|<--- More --->/.test(output);
}

/**
 * The physical part a SEL entry or sensor names, normalised so that one part keeps one name
 * across vendors and tools (alerts are fingerprinted by it):
 *
 *   DIMM  `P1-DIMMA1` (Supermicro), `@DIMMA1(CPU1)` (ipmitool's Supermicro OEM decoding),
 *         `DIMM_B2`, `DIMM A1` (Dell), `DIMM 12` (Lenovo XCC), `CPU 1 DIMM 2` (ipmitool's generic
 *         memory decoding, event data 3), `04-P1 DIMM 1-6` (HPE iLO group sensor), `dimm0` (OpenBMC)
 *   PSU   `PS1 Status`, `PSU0_PIN` (NVIDIA DGX), `Power Supply 2` (HPE), `PWS2`
 *   Fan   `FAN1`, `FANA` (Supermicro), `Fan1A` (Dell), `System Fan 3` (Intel), `fan0` (OpenBMC)
 *   Drive `Drive 4` (Dell), `HDD0`, `NVMe_1`, `Bay 3`
 *   GPU   `GPU0_Temp` (NVIDIA DGX)
 *   CPU   `CPU1 Temp`, `Processor 2`, `P1 Therm Margin` (Intel)
 */

export type ComponentKind = 'dimm' | 'psu' | 'fan' | 'drive' | 'gpu' | 'cpu';

export interface Component {
  readonly kind: ComponentKind;
  /** Normalised name: `DIMM A1 (CPU 1)`, `PSU 2`, `Fan 1A`, `Drive 3`, `GPU 0`, `CPU 1`. */
  readonly name: string;
}

export const COMPONENT_KINDS: readonly ComponentKind[] = [
  'dimm',
  'psu',
  'fan',
  'drive',
  'gpu',
  'cpu',
];

const END = '(?![0-9A-Za-z])';
const DIMM = new RegExp(
  `(?<![A-Za-z])DIMM[\\s_#:=-]*([A-Z]{0,2}\\d{1,2}[A-Z]?(?:-\\d{1,2})?)${END}`,
  'i',
);
const DIMM_CPU = [
  // `P1-DIMMA1`, `P2_DIMM_B1`: the socket prefix of Supermicro and HPE names.
  /(?<![A-Za-z0-9])P(\d)[\s_-]?DIMM/i,
  // `(CPU1)`, `CPU 1 DIMM 2`, `Socket ID = 0`, `on Processor 2`.
  /(?<![A-Za-z])(?:CPU|Processor|Proc|Socket(?:\s*ID)?)[\s_#:=]*(\d{1,2})(?![0-9])/i,
];
const PSU = /(?<![A-Za-z])(?:PSU|PWS|PS|Power[\s_]?Supply)[\s_#-]*(\d{1,2})(?![0-9])/i;
const FAN = /(?<![A-Za-z])(?:Sys(?:tem)?[\s_]*)?Fan[\s_#-]*(\d{1,2}[A-Z]?|[A-Z])(?![0-9A-Za-z])/i;
const DRIVE = /(?<![A-Za-z])(?:Drive|Disk|HDD|SSD|NVMe|Bay)[\s_#-]*(\d{1,3})(?![0-9])/i;
const GPU = /(?<![A-Za-z])GPU[\s_#-]*(\d{1,2})(?![0-9])/i;
const CPU = [
  /(?<![A-Za-z])(?:CPU|Processor|Proc)[\s_#-]*(\d{1,2})(?![0-9])/i,
  // Intel's `P1 Therm Margin`: a bare P needs the number to stand alone (`P1V8` is a 1.8 V rail).
  /(?<![A-Za-z0-9])P(\d)(?![0-9A-Za-z])/,
];

function dimm(text: string): Component | null {
  const m = DIMM.exec(text);
  if (!m) return null;
  const id = (m[1] ?? '').toUpperCase();
  let cpu: string | undefined;
  for (const r of DIMM_CPU) {
    const c = r.exec(text);
    if (c) {
      cpu = c[1];
      break;
    }
  }
  return { kind: 'dimm', name: cpu === undefined ? `DIMM ${id}` : `DIMM ${id} (CPU ${cpu})` };
}

function simple(
  text: string,
  kind: ComponentKind,
  label: string,
  patterns: readonly RegExp[],
): Component | null {
  for (const r of patterns) {
    const m = r.exec(text);
    if (m) return { kind, name: `${label} ${(m[1] ?? '').toUpperCase()}` };
  }
  return null;
}

/** The first part named in one text, checked in the order DIMM, PSU, fan, drive, GPU, CPU. */
export function componentIn(text: string): Component | null {
  if (text.length === 0) return null;
  const t = text.length > 500 ? text.slice(0, 500) : text;
  return (
    dimm(t) ??
    simple(t, 'psu', 'PSU', [PSU]) ??
    simple(t, 'fan', 'Fan', [FAN]) ??
    simple(t, 'drive', 'Drive', [DRIVE]) ??
    simple(t, 'gpu', 'GPU', [GPU]) ??
    simple(t, 'cpu', 'CPU', CPU)
  );
}

/**
 * The part an entry names: the event text first (vendors put the DIMM location there), then
 * its extra data, then the sensor name.
 */
export function extractComponent(texts: readonly (string | null | undefined)[]): Component | null {
  for (const t of texts) {
    if (t === null || t === undefined) continue;
    const c = componentIn(t);
    if (c) return c;
  }
  return null;
}

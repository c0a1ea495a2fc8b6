/** Parsers for nvme-cli and nvme-fabrics sysfs (pure). Fixtures: test/fixtures/commands/nvme/. */

export interface NvmeListDevice {
  devicePath: string;
  namespace?: number;
  modelNumber?: string;
  serialNumber?: string;
  /** Bytes. */
  physicalSize?: number;
  sectorSize?: number;
}

/**
 * `nvme list -o json` (nvme-cli 1.x and 2.x without -v): {"Devices": [{"NameSpace": 1,
 * "DevicePath": "/dev/nvme0n1", "ModelNumber": ..., "PhysicalSize": bytes, "SectorSize": 512}, ...]}.
 * nvme-cli prints nothing at all when there are no devices on some versions: that is an empty list.
 */
export function parseNvmeList(stdout: string): NvmeListDevice[] {
  if (!stdout.trim()) return [];
  const doc = JSON.parse(stdout) as { Devices?: Array<Record<string, unknown>> };
  if (!doc || typeof doc !== 'object' || (doc.Devices !== undefined && !Array.isArray(doc.Devices))) {
    throw new Error('nvme list -o json: expected an object with a "Devices" array');
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return (doc.Devices ?? []).flatMap((d) => {
    const devicePath = str(d.DevicePath);
    if (!devicePath) return [];
    return [{
      devicePath,
      namespace: num(d.NameSpace),
      modelNumber: str(d.ModelNumber)?.trim(),
      serialNumber: str(d.SerialNumber)?.trim(),
      physicalSize: num(d.PhysicalSize),
      sectorSize: num(d.SectorSize),
    }];
  });
}

/**
 * The block device of a namespace directory under an nvme-fabrics controller, as linstor-server's
 * NvmeUtils computes it: "nvme0n1" -> /dev/nvme0n1, and with native multipath "nvme0c1n1" ->
 * /dev/nvme0n1 (controller 0's subsystem instance, namespace 1). Undefined for other entries.
 */
export function namespaceDevice(ctlName: string, entry: string): string | undefined {
  const ctl = /^nvme(\d+)$/.exec(ctlName);
  const m = /^nvme(\d+)(?:c\d+)?n(\d+)$/.exec(entry);
  if (!ctl || !m) return undefined;
  return `/dev/nvme${ctl[1]}n${m[2]}`;
}

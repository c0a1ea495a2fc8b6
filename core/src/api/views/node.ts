/** Node records -> LINSTOR's Node wire shape. */
import type { Node } from '../../model/node.js';
import type { NodeRecord } from '../../store/records.js';
import type { Controller } from '../../controller/controller.js';
import { nonEmpty } from '../out.js';

export function nodeView(c: Controller, n: NodeRecord): Node {
  const runtime = c.runtime.node(n.name);
  return nonEmpty({
    name: n.name,
    type: n.type,
    flags: n.flags,
    props: n.props,
    net_interfaces: n.net_interfaces.map((nif) =>
      nonEmpty({
        name: nif.name,
        address: nif.address,
        satellite_port: nif.satellite_port,
        satellite_encryption_type: nif.satellite_encryption_type,
        is_active: n.active_net_interface?.toUpperCase() === nif.name.toUpperCase(),
        uuid: nif.uuid,
      }) as Node['net_interfaces'] extends (infer T)[] | undefined ? T : never,
    ),
    connection_status: runtime.connection_status,
    uuid: n.uuid,
    storage_providers: runtime.storage_providers,
    resource_layers: runtime.resource_layers,
    unsupported_providers: runtime.unsupported_providers,
    unsupported_layers: runtime.unsupported_layers,
  }) as Node;
}

/**
 * /v1/encryption/passphrase: the cluster passphrase that unlocks LUKS volume keys.
 *
 * Shapes and statuses as linstor-server's rest/v1/Encryption.java: POST (create) answers 201,
 * PUT (change) and PATCH (enter) answer 200; PATCH's body is the passphrase as a bare JSON string
 * (python-linstor crypt_enter_passphrase, golinstor EncryptionService.Enter); GET answers ONE
 * {"status": "unset"|"locked"|"unlocked"} object (the spec says an array; the server writes one
 * PassphraseStatus, and LINBIT's own UI reads it as an object).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EncryptionService } from '../../controller/services/encryption.js';
import type { ApiDeps } from '../context.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['encryption'];

/** PassPhraseCreate: both fields optional in the spec; create needs new_passphrase, change needs both. */
const PassphraseCreate = z.object({ new_passphrase: z.string() });
const PassphraseModify = z.object({ old_passphrase: z.string(), new_passphrase: z.string() });
/** PassPhraseEnter: a JSON string. */
const PassphraseEnter = z.string();
const PassphraseStatus = z.object({ status: z.enum(['unset', 'locked', 'unlocked']) });

export function encryptionRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const enc = EncryptionService.of(c);

  route(app, 'GET', '/v1/encryption/passphrase', {
    summary: 'Whether the master passphrase is set and unlocked', tags, reply: PassphraseStatus, operationId: 'passphraseStatus',
  }, () => ({ status: enc.status() }));

  route(app, 'POST', '/v1/encryption/passphrase', {
    summary: 'Create the master passphrase', tags, rc: { op: 'CREATE', obj: 'CTRL_CONF' }, status: 201,
    body: PassphraseCreate, reply: ApiCallRcList, operationId: 'encryptionPassphraseCreate',
  }, ({ body }) => enc.create(body.new_passphrase));

  route(app, 'PUT', '/v1/encryption/passphrase', {
    summary: 'Change the master passphrase (volume keys stay the same)', tags, rc: { op: 'MODIFY', obj: 'CTRL_CONF' },
    body: PassphraseModify, reply: ApiCallRcList, operationId: 'encryptionPassphraseModify',
  }, ({ body }) => enc.modify(body.old_passphrase, body.new_passphrase));

  route(app, 'PATCH', '/v1/encryption/passphrase', {
    summary: 'Enter the master passphrase (needed after every controller start)', tags, rc: { op: 'MODIFY', obj: 'CTRL_CONF' },
    body: PassphraseEnter, reply: ApiCallRcList, operationId: 'encryptionPassphraseEnter',
  }, ({ body }) => enc.enter(body));
}

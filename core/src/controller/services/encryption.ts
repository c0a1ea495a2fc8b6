/**
 * The cluster encryption passphrase (`/v1/encryption/passphrase`): create, change, enter, status.
 *
 * Only the EncryptionRecord (wrapped master key, salt, verifier) is stored, on the controller record.
 * The unlocked master key lives in memory only, one per Controller, so after every controller start
 * the status is "locked" until someone enters the passphrase again — as in LINSTOR. LUKS keys for
 * satellites come from `volumeKeyIfUnlocked` (nothing while locked; the satellite then reports the
 * locked passphrase on the resource), and `onUnlock` tells the satellite manager to resync.
 *
 * Answers follow LINSTOR's CtrlConfApiCallHandler: "Crypt passphrase created." (CREATED),
 * "Crypt passphrase updated" (MODIFIED), "Passphrase accepted" (PASSPHRASE_ACCEPTED), an existing
 * passphrase on create or a missing one on change is FAIL_EXISTS_CRYPT_PASSPHRASE, and a wrong or
 * missing passphrase on enter/change is FAIL_MISSING_PROPS — all with the CTRL_CONF object bits.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import {
  DEFAULT_SCRYPT, type ScryptParams, WrongPassphraseError, createMasterKey, deriveVolumeKey, unwrapMasterKey, wrapMasterKey,
} from '../crypto-keys.js';

export type PassphraseStatus = 'unset' | 'locked' | 'unlocked';

const services = new WeakMap<Controller, EncryptionService>();

export class EncryptionService {
  private masterKey: Buffer | undefined;
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly c: Controller, private readonly scrypt: ScryptParams) {}

  /** The one service of a controller (it holds that controller's unlocked key). */
  static of(c: Controller, scrypt: ScryptParams = DEFAULT_SCRYPT): EncryptionService {
    let s = services.get(c);
    if (!s) services.set(c, (s = new EncryptionService(c, scrypt)));
    return s;
  }

  status(): PassphraseStatus {
    if (!this.c.graph.controller.encryption) return 'unset';
    return this.masterKey ? 'unlocked' : 'locked';
  }

  /** Called after the key becomes available (create, enter, modify), so satellites waiting for LUKS keys can be updated. */
  onUnlock(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  create(newPassphrase: string): ApiCallRc[] {
    if (this.c.graph.controller.encryption) {
      throw new StorhubError('FAIL_EXISTS_CRYPT_PASSPHRASE', 'Could not create a new crypt passphrase as it already exists.', {
        op: 'CREATE', obj: 'CTRL_CONF',
        cause: 'A passphrase was already defined.',
        correction: 'Change it with PUT /v1/encryption/passphrase {old_passphrase, new_passphrase} (linstor encryption modify-passphrase).',
      });
    }
    checkNew(newPassphrase, 'CREATE');
    const { masterKey, record } = createMasterKey(newPassphrase, this.scrypt);
    this.store(record);
    this.unlock(masterKey);
    return [rc.success('CREATED', 'CREATE', 'CTRL_CONF', 'Crypt passphrase created.')];
  }

  modify(oldPassphrase: string, newPassphrase: string): ApiCallRc[] {
    const record = this.c.graph.controller.encryption;
    if (!record) {
      throw new StorhubError('FAIL_EXISTS_CRYPT_PASSPHRASE', 'Could not modify the crypt passphrase as it does not exist.', {
        op: 'MODIFY', obj: 'CTRL_CONF',
        cause: 'No passphrase was defined yet.',
        correction: 'Create one with POST /v1/encryption/passphrase {new_passphrase} (linstor encryption create-passphrase).',
      });
    }
    checkNew(newPassphrase, 'MODIFY');
    const masterKey = this.open(oldPassphrase, record, 'the given old passphrase was incorrect');
    // Same master key, new wrapping: volume keys do not change.
    this.store(wrapMasterKey(newPassphrase, masterKey, this.scrypt));
    this.unlock(masterKey);
    return [rc.success('MODIFIED', 'MODIFY', 'CTRL_CONF', 'Crypt passphrase updated')];
  }

  enter(passphrase: string): ApiCallRc[] {
    const record = this.c.graph.controller.encryption;
    if (!record) {
      throw new StorhubError('FAIL_MISSING_PROPS', 'No crypt passphrase has been created yet, so there is nothing to unlock.', {
        op: 'MODIFY', obj: 'CTRL_CONF',
        correction: 'Create one with POST /v1/encryption/passphrase {new_passphrase} (linstor encryption create-passphrase).',
      });
    }
    this.unlock(this.open(passphrase, record, 'the given passphrase was incorrect'));
    return [rc.success('PASSPHRASE_ACCEPTED', 'MODIFY', 'CTRL_CONF', 'Passphrase accepted')];
  }

  /** The LUKS key of a volume (base64 text), or a clear refusal while the passphrase is unset or locked. */
  volumeKey(resourceName: string, volumeNumber: number): string {
    if (!this.masterKey) {
      const unset = this.status() === 'unset';
      throw new StorhubError('FAIL_MISSING_PROPS',
        unset
          ? `Volume ${volumeNumber} of resource '${resourceName}' needs a LUKS key, but no encryption passphrase exists.`
          : `Volume ${volumeNumber} of resource '${resourceName}' needs a LUKS key, but the encryption passphrase is locked.`,
        {
          correction: unset
            ? 'Create the passphrase with POST /v1/encryption/passphrase (linstor encryption create-passphrase).'
            : 'Enter the passphrase with PATCH /v1/encryption/passphrase (linstor encryption enter-passphrase); it is needed after every controller start.',
        });
    }
    return deriveVolumeKey(this.masterKey, resourceName, volumeNumber);
  }

  /**
   * The LUKS key of a volume while the passphrase is entered; undefined while it is locked or unset.
   * The desired state uses this: a resource without a key is reported by its satellite, not failed here.
   */
  volumeKeyIfUnlocked(resourceName: string, volumeNumber: number): string | undefined {
    return this.masterKey ? deriveVolumeKey(this.masterKey, resourceName, volumeNumber) : undefined;
  }

  /**
   * Placing a resource with a LUKS layer needs a passphrase to derive its keys from: none at all is
   * FAIL_NOT_FOUND_CRYPT_KEY (LINSTOR's code when there is no master key). A locked passphrase is no
   * refusal — the record is kept and its satellite reports the missing key on the resource until
   * someone enters it (after a controller restart that is the normal state).
   */
  requireLuksPassphrase(rdName: string, nodeName: string): void {
    if (this.status() !== 'unset') return;
    throw new StorhubError('FAIL_NOT_FOUND_CRYPT_KEY',
      `Resource '${rdName}' on node '${nodeName}' has a LUKS layer, but no encryption passphrase exists to derive its key from.`, {
        cause: 'The LUKS keys of volumes are derived from the cluster passphrase, which was never created.',
        correction: 'Create it first with POST /v1/encryption/passphrase (storhub encryption create-passphrase), ' +
          'or create the resource without LUKS in its layer list.',
        objRefs: { RscDfn: rdName, Node: nodeName },
      });
  }

  /** While the passphrase is locked: the warning a LUKS resource create answers with (LINSTOR's WARN_NOT_FOUND_CRYPT_KEY). */
  lockedLuksWarning(rdName: string, nodeName: string): ApiCallRc | undefined {
    if (this.status() !== 'locked') return undefined;
    return rc.warn('WARN_NOT_FOUND_CRYPT_KEY', 'CREATE', 'RSC',
      `The encryption passphrase is locked: resource '${rdName}' on node '${nodeName}' is registered, but its LUKS volumes are not created until the passphrase is entered.`, {
        correction: 'Enter the passphrase with PATCH /v1/encryption/passphrase (storhub encryption enter-passphrase); the satellite then creates the volumes.',
        obj_refs: { RscDfn: rdName, Node: nodeName },
      });
  }

  private open(passphrase: string, record: NonNullable<Controller['graph']['controller']['encryption']>, what: string): Buffer {
    try {
      return unwrapMasterKey(passphrase, record);
    } catch (err) {
      if (err instanceof WrongPassphraseError) {
        throw new StorhubError('FAIL_MISSING_PROPS', `Could not restore the master passphrase as ${what}.`, {
          op: 'MODIFY', obj: 'CTRL_CONF', cause: 'Wrong passphrase.', correction: 'Enter the correct passphrase.',
        });
      }
      throw err;
    }
  }

  private store(record: NonNullable<Controller['graph']['controller']['encryption']>): void {
    this.c.commit(new Change().put('ctrl', key.ctrl(), { ...this.c.graph.controller, encryption: record }));
  }

  private unlock(masterKey: Buffer): void {
    this.masterKey = masterKey;
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (err) {
        // A listener's failure must not turn an accepted passphrase into an error answer.
        this.c.log.error({ err }, 'encryption unlock listener failed');
      }
    }
  }
}

function checkNew(passphrase: string, op: 'CREATE' | 'MODIFY'): void {
  if (passphrase.length === 0) {
    throw new StorhubError('FAIL_INVLD_REQUEST', 'The new passphrase must not be empty.', {
      op, obj: 'CTRL_CONF', correction: 'Send a non-empty new_passphrase.',
    });
  }
}

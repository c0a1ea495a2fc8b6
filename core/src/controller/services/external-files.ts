/**
 * External files: register, change and delete files, attach them to resource definitions, and tell
 * whether a node's satellite would write a path.
 *
 * Deleting a file that is still attached detaches it everywhere first (as LINSTOR does: the gateway's
 * "delete" is a bare DELETE /v1/files/{path} of a file that may still be attached), so the satellites
 * remove it from disk.
 *
 * Attaching a file that a node with a resource of the definition will not write (no directory of its
 * satellite's allowExtFiles lies above the path) stays attached, but the answer carries an error per
 * such node, as LINSTOR's does when that satellite refuses: FAIL_ACC_DENIED_EXT_FILE, "(node) The path
 * ... does not have a whitelisted parent ...", which clients (the gateway) look for. The route answers
 * such a list with 403, as LINSTOR maps access-denied codes.
 *
 * `alt_suffixes` are validated, stored and shown, but not sent to the satellites yet: the satellite
 * writes the file at its path only (the protocol's ExternalFile has no suffixes).
 */
import { type ApiCallRc, Code, isoOffsetNow, retCode } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import {
  attachmentKey, checkAltSuffixes, checkExtFilePath, contentChecksum, decodeContent, isPathAllowed,
  type ExternalFileSet,
} from '../../model/external-file.js';
import type { ExternalFileRecord, ResourceDefinitionRecord } from '../../store/records.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { ResourceDefinitionService } from './resource-definitions.js';

const what = (path: string) => `external file '${path}'`;
const refs = (path: string) => ({ ExtFile: path });

export class ExternalFileService {
  constructor(private readonly c: Controller) {}

  /** Every file, sorted by path. */
  list(): readonly ExternalFileRecord[] {
    return this.c.graph.externalFiles.values();
  }

  get(path: string): ExternalFileRecord {
    const file = this.c.graph.externalFile(path);
    if (!file) {
      throw new StorhubError('FAIL_NOT_FOUND_EXT_FILE', `External file '${path}' not found.`, {
        correction: `Register it first: PUT /v1/files/${encodeURIComponent(path)} with its base64 'content' (storhub file modify).`,
        objRefs: refs(path),
      });
    }
    return file;
  }

  /** PUT: registers a new file (content required) or changes the content and/or alt_suffixes of one. */
  set(rawPath: string, body: ExternalFileSet): ApiCallRc[] {
    const path = checkExtFilePath(rawPath);
    if (body.path !== undefined && body.path !== '' && body.path !== path) {
      throw new StorhubError('FAIL_INVLD_EXT_FILE_NAME', `The body names external file '${body.path}', the URL '${path}'.`, {
        correction: "Leave 'path' out of the body, or give the same path as in the URL.",
        objRefs: refs(path),
      });
    }
    const existing = this.c.graph.externalFile(path);
    const given = body.content !== undefined && body.content !== '';
    if (!existing && !given) {
      throw new StorhubError('FAIL_INVLD_EXT_FILE', `External file '${path}' needs a content.`, {
        correction: "Send the file's bytes base64-encoded in 'content'.",
        objRefs: refs(path),
      });
    }
    const bytes = given ? decodeContent(body.content!, path) : undefined;
    const altSuffixes = body.alt_suffixes === undefined ? existing?.alt_suffixes : checkAltSuffixes(body.alt_suffixes, path);
    const file: ExternalFileRecord = {
      path,
      content: bytes ? bytes.toString('base64') : existing!.content,
      content_checksum: bytes ? contentChecksum(bytes) : existing!.content_checksum,
      uuid: existing?.uuid ?? this.c.newUuid(),
    };
    if (altSuffixes && altSuffixes.length > 0) file.alt_suffixes = altSuffixes;
    if (!existing || JSON.stringify(existing) !== JSON.stringify(file)) {
      this.c.commit(new Change().put('ext_file', key.extFile(path), file));
    }
    return existing
      ? [rc.modified('EXT_FILES', what(path), refs(path), file.uuid)]
      : [rc.created('EXT_FILES', what(path), refs(path), file.uuid)];
  }

  /** Detaches the file from every resource definition and deletes it; the satellites remove it from disk. */
  delete(rawPath: string): ApiCallRc[] {
    const path = checkExtFilePath(rawPath);
    const file = this.c.graph.externalFile(path);
    if (!file) return [rc.deleteMissing('EXT_FILES', what(path), refs(path))];
    const change = new Change();
    const answers: ApiCallRc[] = [];
    for (const rd of this.attachedTo(path)) {
      change.put('rd', key.rd(rd.name), withoutAttachment(rd, path));
      answers.push(rc.success('MODIFIED', 'MODIFY', 'RSC_DFN',
        `External file '${path}' detached from resource definition '${rd.name}'.`, { obj_refs: { RscDfn: rd.name, ...refs(path) } }));
    }
    change.delete('ext_file', key.extFile(path));
    this.c.commit(change);
    return [...answers, rc.deleted('EXT_FILES', what(path), refs(path), file.uuid)];
  }

  /** Resource definitions the file is attached to, sorted by name. */
  attachedTo(path: string): ResourceDefinitionRecord[] {
    const k = attachmentKey(path);
    return this.c.graph.resourceDefinitions.values().filter((rd) => rd.props[k]?.toLowerCase() === 'true');
  }

  /**
   * Whether the satellite of `nodeName` writes `path`: false until it has told its allowExtFiles (it
   * never connected, or is older), as LINSTOR answers for anything it cannot confirm.
   */
  check(rawPath: string, nodeName: string): boolean {
    const path = checkExtFilePath(rawPath);
    const node = this.c.graph.node(nodeName);
    if (!node) throw new StorhubError('FAIL_NOT_FOUND_NODE', `Node '${nodeName}' not found.`, { objRefs: { Node: nodeName } });
    const allowed = this.c.runtime.node(node.name).allow_ext_files;
    return allowed !== undefined && isPathAllowed(path, allowed);
  }

  attach(rdName: string, rawPath: string): ApiCallRc[] {
    const rd = this.rd(rdName);
    const path = checkExtFilePath(rawPath);
    this.get(path);
    const k = attachmentKey(path);
    if (rd.props[k] !== 'True') {
      this.c.commit(new Change().put('rd', key.rd(rd.name), { ...rd, props: { ...rd.props, [k]: 'True' } }));
    }
    const answers = [rc.success('MODIFIED', 'MODIFY', 'RSC_DFN',
      `External file '${path}' attached to resource definition '${rd.name}'.`, { obj_refs: { RscDfn: rd.name, ...refs(path) } })];
    for (const r of this.c.graph.resourcesOf(rd.name)) {
      if (r.flags.includes('DELETE')) continue;
      const allowed = this.c.runtime.node(r.node_name).allow_ext_files;
      if (allowed === undefined || isPathAllowed(path, allowed)) continue;
      answers.push({
        ret_code: retCode('error', Code.FAIL_ACC_DENIED_EXT_FILE, 'MODIFY', 'RSC_DFN'),
        message: `(${r.node_name}) The path ${path} does not have a whitelisted parent. Allowed parent directories: [${allowed.join(', ')}]`,
        cause: `The satellite of node '${r.node_name}' writes external files only below the directories of its allowExtFiles.`,
        correction: `Add the file's directory to [files] allowExtFiles in the satellite configuration of '${r.node_name}' and restart ` +
          `that satellite; it writes the file as soon as it reconnects. Or detach the file again.`,
        obj_refs: { RscDfn: rd.name, Node: r.node_name, ...refs(path) },
        created_at: isoOffsetNow(),
      });
    }
    return answers;
  }

  detach(rdName: string, rawPath: string): ApiCallRc[] {
    const rd = this.rd(rdName);
    const path = checkExtFilePath(rawPath);
    this.get(path);
    const attached = attachmentKey(path) in rd.props;
    if (attached) this.c.commit(new Change().put('rd', key.rd(rd.name), withoutAttachment(rd, path)));
    return [rc.success('MODIFIED', 'MODIFY', 'RSC_DFN', attached
      ? `External file '${path}' detached from resource definition '${rd.name}'.`
      : `External file '${path}' was not attached to resource definition '${rd.name}'.`,
    { obj_refs: { RscDfn: rd.name, ...refs(path) } })];
  }

  private rd(name: string): ResourceDefinitionRecord {
    return new ResourceDefinitionService(this.c).get(name);
  }
}

function withoutAttachment(rd: ResourceDefinitionRecord, path: string): ResourceDefinitionRecord {
  const props = { ...rd.props };
  delete props[attachmentKey(path)];
  return { ...rd, props };
}

// The host side of the MCP Skills extension (io.modelcontextprotocol/skills,
// SEP-2640), shared by the conformance host drivers (host.mjs for 2025-11-25,
// tests/conformance-next/host-next.mjs for 2026-07-28).
//
// mcp-tether only relays skills/list and resources/read; everything here is
// what a host does with them, and what the suite's sep-2640-client-* scenarios
// check of the host:
//
// - On connect the host lists skills (skills/list, following nextCursor) and
//   reads nothing: no skill file is fetched before a skill is loaded
//   (sep-2640-host-no-prefetch).
// - Loading a skill reads its SKILL.md (the entry's `uri`) and verifies it
//   against the entry's manifest before using it: the byte length against
//   `size` (sep-2640-host-size-mismatch-failure), the sha256 against `digest`
//   (sep-2640-host-verify-digest), and the YAML frontmatter field by field
//   against the entry's `frontmatter` (sep-2640-host-frontmatter-comparison).
//   On any mismatch the skill is refused: none of its other files is read.
// - Only a verified SKILL.md leads to the skill's other files, each verified
//   the same way.
//
// Nothing here knows the scenario's fixture: it computes every check from what
// the server listed and what it served.

import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

export const SKILLS_EXTENSION = 'io.modelcontextprotocol/skills';

/** True when the server's capabilities declare the skills extension. */
export function serverOffersSkills(capabilities) {
  const ext = capabilities?.extensions;
  return !!ext && typeof ext === 'object' && Object.prototype.hasOwnProperty.call(ext, SKILLS_EXTENSION);
}

/** skills/list, every page. */
export async function listSkills(request, { maxPages = 20 } = {}) {
  const skills = [];
  let cursor;
  for (let page = 0; page < maxPages; page++) {
    const res = await request('skills/list', cursor === undefined ? {} : { cursor });
    if (!Array.isArray(res?.skills)) throw new Error(`skills/list result has no skills array: ${JSON.stringify(res)}`);
    skills.push(...res.skills);
    cursor = res.nextCursor;
    if (cursor === undefined || cursor === null) return skills;
  }
  throw new Error(`skills/list still had a nextCursor after ${maxPages} pages`);
}

// The bytes of a resources/read result for `uri`.
function contentBytes(result, uri) {
  const contents = Array.isArray(result?.contents) ? result.contents : [];
  const item = contents.find((c) => c?.uri === uri) ?? (contents.length === 1 ? contents[0] : undefined);
  if (!item) throw new Error(`resources/read ${uri}: no contents for that uri`);
  if (typeof item.text === 'string') return Buffer.from(item.text, 'utf8');
  if (typeof item.blob === 'string') return Buffer.from(item.blob, 'base64');
  throw new Error(`resources/read ${uri}: contents have neither text nor blob`);
}

/** Checks bytes against a manifest entry {uri, digest, size}; returns a reason, or null when they match. */
export function verifyAgainstManifest(bytes, entry) {
  if (!entry) return 'the skill manifest has no entry for this file';
  // A size mismatch is a verification failure on its own, before any digest.
  if (entry.size !== undefined && bytes.length !== entry.size) {
    return `size mismatch: read ${bytes.length} bytes, the manifest says ${entry.size}`;
  }
  const m = typeof entry.digest === 'string' ? /^sha256:([0-9a-fA-F]{64})$/.exec(entry.digest) : null;
  if (!m) return `unsupported or missing digest ${JSON.stringify(entry.digest)}`;
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== m[1].toLowerCase()) return `digest mismatch: content is sha256:${actual}, the manifest says ${entry.digest}`;
  return null;
}

// A YAML scalar as the core schema reads it (plain, single- or double-quoted).
function yamlScalar(raw) {
  const s = raw.trim();
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) throw new Error(`unterminated double-quoted scalar: ${s}`);
    return JSON.parse(s);
  }
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) throw new Error(`unterminated single-quoted scalar: ${s}`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{|>&*!%@`]/.test(s)) throw new Error(`YAML construct not supported by this host: ${s}`);
  const plain = s.replace(/\s+#.*$/, '');
  if (plain === '' || plain === '~' || /^null$/i.test(plain)) return null;
  if (/^(true|false)$/i.test(plain)) return plain.toLowerCase() === 'true';
  if (/^[-+]?\d+$/.test(plain)) return Number(plain);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(plain)) return Number(plain);
  return plain;
}

/**
 * The YAML frontmatter of a SKILL.md as an object. Supports a flat mapping of
 * scalars (what Agent Skills frontmatter is in practice); anything it cannot
 * read is an error, so the caller refuses the skill rather than guess.
 */
export function parseFrontmatter(text) {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0] !== '---') throw new Error('SKILL.md does not start with a --- frontmatter block');
  const end = lines.indexOf('---', 1);
  if (end < 0) throw new Error('SKILL.md frontmatter block is not closed with ---');
  const out = {};
  for (const line of lines.slice(1, end)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const m = /^([A-Za-z0-9_-]+):(?:\s+(.*))?$/.exec(line);
    if (!m) throw new Error(`frontmatter line not supported by this host: ${JSON.stringify(line)}`);
    if (Object.prototype.hasOwnProperty.call(out, m[1])) throw new Error(`duplicate frontmatter key ${m[1]}`);
    out[m[1]] = yamlScalar(m[2] ?? '');
  }
  return out;
}

/** Field-by-field comparison; returns a reason, or null when they agree. */
export function compareFrontmatter(parsed, listed) {
  if (!listed || typeof listed !== 'object') return 'the skills/list entry has no frontmatter object';
  const keys = new Set([...Object.keys(parsed), ...Object.keys(listed)]);
  const diffs = [];
  for (const k of keys) {
    if (!isDeepStrictEqual(parsed[k], listed[k])) {
      diffs.push(`${k}: SKILL.md has ${JSON.stringify(parsed[k])}, skills/list has ${JSON.stringify(listed[k])}`);
    }
  }
  return diffs.length ? `frontmatter differs from the skills/list entry (${diffs.join('; ')})` : null;
}

/**
 * Loads one skill the way a host must: SKILL.md first, verified (size, digest,
 * frontmatter); then, only if it verified, the skill's other files, each
 * verified. Returns {ok: true, files} or {ok: false, reason}; never throws on
 * a verification failure (a refused skill is a correct outcome), only on
 * protocol errors.
 */
export async function loadSkill(request, skill, { log = () => {} } = {}) {
  const uri = skill?.uri;
  if (typeof uri !== 'string') return { ok: false, reason: `skill entry has no uri: ${JSON.stringify(skill)}` };
  const manifest = Array.isArray(skill.resources) ? skill.resources : [];
  const entryFor = (u) => manifest.find((r) => r?.uri === u);

  const mainBytes = contentBytes(await request('resources/read', { uri }), uri);
  let reason = verifyAgainstManifest(mainBytes, entryFor(uri));
  if (!reason) {
    try {
      reason = compareFrontmatter(parseFrontmatter(mainBytes.toString('utf8')), skill.frontmatter);
    } catch (err) {
      reason = `cannot compare frontmatter: ${err.message}`;
    }
  }
  if (reason) {
    log(`refusing skill ${uri}: ${reason}; not reading its other files`);
    return { ok: false, reason };
  }
  const files = { [uri]: mainBytes };
  for (const r of manifest) {
    if (r?.uri === uri || typeof r?.uri !== 'string') continue;
    const bytes = contentBytes(await request('resources/read', { uri: r.uri }), r.uri);
    const bad = verifyAgainstManifest(bytes, r);
    if (bad) {
      log(`refusing skill ${uri}: ${r.uri}: ${bad}`);
      return { ok: false, reason: `${r.uri}: ${bad}` };
    }
    files[r.uri] = bytes;
  }
  log(`loaded skill ${uri} (${Object.keys(files).length} verified file(s))`);
  return { ok: true, files };
}

/**
 * What a host does with a server that offers skills: list them at once, and
 * load (read + verify) only the skills it decides to use. `load` is that
 * decision: false on connect (nothing is prefetched), true when the session
 * uses the listed skills (the conformance plans say which).
 */
export async function useSkills(request, { load = false, log = () => {} } = {}) {
  const skills = await listSkills(request);
  log(`skills: ${skills.map((s) => s?.frontmatter?.name ?? s?.uri).join(', ') || '(none)'}`);
  const outcomes = [];
  if (!load) return { skills, outcomes };
  for (const skill of skills) outcomes.push({ uri: skill?.uri, ...(await loadSkill(request, skill, { log })) });
  return { skills, outcomes };
}

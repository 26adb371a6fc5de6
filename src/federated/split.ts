/**
 * How a simulation deals rows to clients. `iid`: a seeded shuffle cut into equal shards. `by-host`:
 * rows of one host stay together (hosts shuffled, then dealt to balance row counts); without host
 * ids the file order is taken as host order and cut into contiguous shards. `by-profile`: rows
 * sorted by host profile (stable) and cut into equal contiguous shards, so each client sees one or
 * two profiles, the hardest non-IID case.
 */
import { InvalidOptionError } from '../errors.js';
import { Random } from '../tensor/index.js';

export type SplitKind = 'iid' | 'by-host' | 'by-profile';

/**
 * Row indices per client.
 * @param groups per-row host id (by-host) or profile code (by-profile); required for by-profile
 * @throws InvalidOptionError for an unknown split, too few rows, or a missing group list
 */
export function splitClients(rows: number, clients: number, kind: SplitKind, seed: number, groups?: ArrayLike<number>): Int32Array[] {
  if (!Number.isInteger(clients) || clients < 1 || clients > rows) throw new InvalidOptionError(`simulate: clients must be an integer in [1, rows = ${rows}], got ${clients}`, 'clients');
  if (groups !== undefined && groups.length !== rows) throw new InvalidOptionError(`simulate: groups must have one entry per row (${rows}), got ${groups.length}`, 'groups');
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  if (kind === 'iid') {
    new Random(seed).shuffleInPlace(order);
  } else if (kind === 'by-profile') {
    if (groups === undefined) throw new InvalidOptionError('simulate: split by-profile needs a profile per row, got none', 'split');
    order.sort((a, b) => groups[a]! - groups[b]! || a - b);
  } else if (kind === 'by-host') {
    if (groups !== undefined) return dealHosts(groups, clients, seed);
  } else {
    throw new InvalidOptionError(`simulate: split must be 'iid', 'by-host' or 'by-profile', got ${JSON.stringify(kind)}`, 'split');
  }
  return Array.from({ length: clients }, (_, k) => order.slice(Math.floor((k * rows) / clients), Math.floor(((k + 1) * rows) / clients)));
}

/** Whole hosts to clients: hosts in seeded random order, each to the client with the fewest rows so far. */
function dealHosts(hosts: ArrayLike<number>, clients: number, seed: number): Int32Array[] {
  const byHost = new Map<number, number[]>();
  for (let i = 0; i < hosts.length; i++) {
    const list = byHost.get(hosts[i]!) ?? [];
    list.push(i);
    byHost.set(hosts[i]!, list);
  }
  if (byHost.size < clients) throw new InvalidOptionError(`simulate: hosts must number at least the clients (${clients}) for by-host, got ${byHost.size}`, 'split');
  const ids = [...byHost.keys()].sort((a, b) => a - b);
  new Random(seed).shuffleInPlace(ids);
  const shards: number[][] = Array.from({ length: clients }, () => []);
  for (const id of ids) {
    let k = 0;
    for (let j = 1; j < clients; j++) if (shards[j]!.length < shards[k]!.length) k = j;
    shards[k]!.push(...byHost.get(id)!);
  }
  return shards.map((s) => Int32Array.from(s.sort((a, b) => a - b)));
}

/**
 * The by-profile split of rows with host ids, cutting only between hosts: hosts sorted by profile
 * (then by first row), dealt in that order, each client taking hosts until it holds its share of
 * the rows. Every host's rows stay on one client, in file order (a sequence kind trains on windows
 * of a host's consecutive rows).
 * @throws InvalidOptionError when there are fewer hosts than clients, or a host has rows of two profiles
 */
export function splitHostsByProfile(profiles: ArrayLike<number>, hosts: ArrayLike<number>, clients: number): Int32Array[] {
  const rows = hosts.length;
  if (profiles.length !== rows) throw new InvalidOptionError(`simulate: profiles must have one entry per row (${rows}), got ${profiles.length}`, 'profiles');
  const byHost = new Map<number, { profile: number; rows: number[] }>();
  for (let i = 0; i < rows; i++) {
    const h = byHost.get(hosts[i]!);
    if (h === undefined) byHost.set(hosts[i]!, { profile: profiles[i]!, rows: [i] });
    else if (h.profile !== profiles[i]!) throw new InvalidOptionError(`simulate: host ${hosts[i]} must have one profile, got ${h.profile} and ${profiles[i]} (row ${i})`, 'profiles');
    else h.rows.push(i);
  }
  if (!Number.isInteger(clients) || clients < 1 || clients > byHost.size) throw new InvalidOptionError(`simulate: clients must be an integer in [1, hosts = ${byHost.size}] for by-profile with host ids, got ${clients}`, 'clients');
  const order = [...byHost.values()].sort((a, b) => a.profile - b.profile || a.rows[0]! - b.rows[0]!);
  const shards: number[][] = Array.from({ length: clients }, () => []);
  let k = 0, dealt = 0;
  order.forEach((h, i) => {
    // Move on once this client has its share, keeping one host for each client still to come.
    while (k < clients - 1 && (dealt >= ((k + 1) * rows) / clients || order.length - i <= clients - 1 - k) && shards[k]!.length > 0) k++;
    shards[k]!.push(...h.rows);
    dealt += h.rows.length;
  });
  return shards.map((s) => Int32Array.from(s.sort((a, b) => a - b)));
}

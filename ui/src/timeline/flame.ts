// The flame graph: span time aggregated by call path (the SQL), and the
// tree the canvas draws (pure, unit-tested).
import { ts, uuid } from "../sql";
import { nsToISO } from "../time";

/** flameSQL totals the time of every call path of the threads over [b, e], each span clipped to the range.
 * The root of a thread (depth 0) is the thread itself; paths start with its name. */
export function flameSQL(streamIds: string[], b: bigint, e: bigint): string {
  const lo = ts(nsToISO(b));
  const hi = ts(nsToISO(e));
  const parts = streamIds.map(
    (sid, k) => `SELECT ${k} AS k, id, parent, depth, name,
    least(epoch_ns("end"), ${e}) - greatest(epoch_ns("begin"), ${b}) AS d
  FROM view_instance('thread_spans', ${uuid(sid)}) WHERE "end" >= ${lo} AND "begin" <= ${hi}`,
  );
  return `WITH RECURSIVE s AS (
  ${parts.join("\n  UNION ALL\n  ")}),
p(k, id, depth, path, d) AS (
  SELECT k, id, depth, [name], d FROM s WHERE depth = 0
  UNION ALL
  SELECT s.k, s.id, s.depth, list_append(p.path, s.name), s.d FROM s JOIN p ON s.k = p.k AND s.parent = p.id AND s.depth = p.depth + 1)
SELECT path, sum(d) AS total, count(*) AS n FROM p GROUP BY path`;
}

/** A node of the flame graph. */
export interface FlameNode {
  name: string;
  total: number;
  count: number;
  children: FlameNode[];
  depth: number;
}

/** buildFlame turns (path, total, count) rows into a tree under a root "all threads", children sorted by
 * name (so colors and places are stable), the root's total being its threads' totals; threads that have
 * no span under their root are left out. */
export function buildFlame(rows: { path: string[]; total: number; count: number }[]): FlameNode {
  const root: FlameNode = { name: "all threads", total: 0, count: 0, children: [], depth: 0 };
  const index = new Map<string, FlameNode>();
  const sorted = rows.slice().sort((a, b) => a.path.length - b.path.length);
  for (const r of sorted) {
    let parent = root;
    let key = "";
    for (let i = 0; i < r.path.length; i++) {
      key += "\u0000" + r.path[i];
      let node = index.get(key);
      if (!node) {
        node = { name: r.path[i], total: 0, count: 0, children: [], depth: i + 1 };
        index.set(key, node);
        parent.children.push(node);
      }
      if (i === r.path.length - 1) {
        node.total += r.total;
        node.count += r.count;
      }
      parent = node;
    }
  }
  const fix = (n: FlameNode) => {
    n.children.sort((a, b) => a.name.localeCompare(b.name));
    n.children.forEach(fix);
    // A parent never takes less time than its children (clipping may make it so).
    const kids = n.children.reduce((s, c) => s + c.total, 0);
    if (n.total < kids) n.total = kids;
  };
  // Threads without spans (their root alone) are left out.
  root.children = root.children.filter((c) => c.children.length > 0);
  fix(root);
  root.total = root.children.reduce((s, c) => s + c.total, 0);
  return root;
}

/** A rectangle of the drawn flame graph, x and w as fractions of the width. */
export interface FlameRect {
  node: FlameNode;
  x: number;
  w: number;
  depth: number;
}

/** layoutFlame places the nodes under focus (widths proportional to time), skipping those narrower than minW. */
export function layoutFlame(focus: FlameNode, minW: number): FlameRect[] {
  const out: FlameRect[] = [];
  const total = focus.total || 1;
  const walk = (n: FlameNode, x: number, depth: number) => {
    const w = n.total / total;
    if (w < minW) return;
    out.push({ node: n, x, w, depth });
    let cx = x;
    for (const c of n.children) {
      walk(c, cx, depth + 1);
      cx += c.total / total;
    }
  };
  walk(focus, 0, 0);
  return out;
}

/** findPath returns the nodes from the root down to the node with that path of names, or null. */
export function findPath(root: FlameNode, names: string[]): FlameNode[] | null {
  const out = [root];
  let n = root;
  for (const name of names) {
    const c = n.children.find((c) => c.name === name);
    if (!c) return null;
    out.push(c);
    n = c;
  }
  return out;
}

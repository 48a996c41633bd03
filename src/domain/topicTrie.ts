/**
 * Topic filters → the members (hubs) subscribed on each, kept as a trie of topic levels, so matching a topic name
 * walks the levels of that name (and the `+` and `#` branches beside them) instead of testing every filter: the cost
 * of a match grows with the depth of the topic (at most 8 levels, AWS IoT quotas) and the number of filters that do
 * match, not with the number of filters held. Same semantics as `matchesTopicFilter` (a property test holds them
 * together): `+` matches one level, possibly empty [MQTT-4.7.1-3]; `#` the level it stands for and every deeper one
 * [MQTT-4.7.1-2] but, on AWS IoT, not the parent (`a/#` does not match `a`); a filter beginning with a wildcard never
 * matches a name beginning with `$` [MQTT-4.7.2-1].
 *
 * `+` and `#` can be keys of the children map: a topic name never contains them [MQTT-4.7.1-1], so no literal level
 * is ever confused with a wildcard.
 */
interface TrieNode {
  children: Map<string, TrieNode>;
  /** The filter that ends at this node, when one does, and its members. */
  filter?: string;
  members?: Set<string>;
}

const newNode = (): TrieNode => ({ children: new Map() });

export class TopicTrie {
  private readonly root = newNode();
  private filters = 0;

  /** Distinct filters held. */
  size(): number {
    return this.filters;
  }

  /** Whether `member` is recorded on `filter`. */
  has(filter: string, member: string): boolean {
    return this.find(filter)?.members?.has(member) === true;
  }

  /** The members of `filter` (empty when none). */
  membersOf(filter: string): ReadonlySet<string> {
    return this.find(filter)?.members ?? new Set();
  }

  /** Records `member` on `filter`; false when it already was. */
  add(filter: string, member: string): boolean {
    let node = this.root;
    for (const level of filter.split("/")) {
      let child = node.children.get(level);
      if (!child) node.children.set(level, (child = newNode()));
      node = child;
    }
    if (!node.members) {
      node.members = new Set();
      node.filter = filter;
      this.filters += 1;
    }
    if (node.members.has(member)) return false;
    node.members.add(member);
    return true;
  }

  /** Removes `member` from `filter` (and the branch nothing else needs); false when it was not there. */
  remove(filter: string, member: string): boolean {
    const path: TrieNode[] = [this.root];
    const levels = filter.split("/");
    for (const level of levels) {
      const child = path[path.length - 1]!.children.get(level);
      if (!child) return false;
      path.push(child);
    }
    const node = path[path.length - 1]!;
    if (!node.members?.delete(member)) return false;
    if (node.members.size === 0) {
      delete node.members;
      delete node.filter;
      this.filters -= 1;
      // Prune the nodes that hold no filter and lead to none.
      for (let i = levels.length; i > 0; i -= 1) {
        const current = path[i]!;
        if (current.members || current.children.size > 0) break;
        path[i - 1]!.children.delete(levels[i - 1]!);
      }
    }
    return true;
  }

  /** Every member with a filter matching `topic`, each with the filters that matched (each filter once). */
  match(topic: string): Map<string, string[]> {
    const result = new Map<string, string[]>();
    const levels = topic.split("/");
    this.walk(this.root, levels, 0, topic.charCodeAt(0) === 0x24 /* $ */, result);
    return result;
  }

  private walk(node: TrieNode, levels: string[], depth: number, dollar: boolean, result: Map<string, string[]>): void {
    // Wildcards at the first level do not match a `$` topic [MQTT-4.7.2-1].
    const wildcards = !(dollar && depth === 0);
    if (depth === levels.length) {
      collect(node, result);
      return;
    }
    if (wildcards) {
      // `#` here stands for this level and all below; the topic has this level (depth < levels.length).
      const hash = node.children.get("#");
      if (hash) collect(hash, result);
      const plus = node.children.get("+");
      if (plus) this.walk(plus, levels, depth + 1, dollar, result);
    }
    const exact = node.children.get(levels[depth]!);
    if (exact) this.walk(exact, levels, depth + 1, dollar, result);
  }

  private find(filter: string): TrieNode | undefined {
    let node: TrieNode | undefined = this.root;
    for (const level of filter.split("/")) {
      node = node.children.get(level);
      if (!node) return undefined;
    }
    return node;
  }
}

function collect(node: TrieNode, result: Map<string, string[]>): void {
  if (!node.members || node.filter === undefined) return;
  for (const member of node.members) {
    const filters = result.get(member);
    if (filters) filters.push(node.filter);
    else result.set(member, [node.filter]);
  }
}

package dev.lockstep.planner.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * Component names numbered 0, 1, 2... in the order they are first added, so that a plan looks each
 * name up once and then works on arrays indexed by these numbers. An open-addressing table of the
 * names' hashes and numbers in one {@code long} each: a look-up reads one slot of the table and the
 * name it points to, and adding a name allocates nothing but the table's growth (a {@code
 * HashMap<String, Integer>} of a release of 100,000 components allocates a node and a boxed number
 * per name, and a look-up reads the node before the name). A null name is a name like any other.
 */
public final class NameIndex {
  private String[] names;
  private int size;

  /** Per slot: the name's hash in the high half, its number plus one in the low half; 0 empty. */
  private long[] table;

  /** An empty index sized for {@code expected} names. */
  public NameIndex(int expected) {
    names = new String[Math.max(4, expected)];
    table = new long[capacityFor(Math.max(4, expected))];
  }

  private static int capacityFor(int names) {
    int capacity = 8;
    while (capacity < names * 2) {
      capacity <<= 1;
    }
    return capacity;
  }

  /** How many names the index holds. */
  public int size() {
    return size;
  }

  /** The name numbered {@code id}. */
  public String name(int id) {
    return names[id];
  }

  /** The number of the name, or -1 when the index does not hold it. */
  public int get(String name) {
    int hash = hash(name);
    int mask = table.length - 1;
    for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
      long entry = table[slot];
      if (entry == 0) {
        return -1;
      }
      if ((int) (entry >>> 32) == hash) {
        int id = (int) entry - 1;
        if (Objects.equals(names[id], name)) {
          return id;
        }
      }
    }
  }

  /**
   * Adds the name with the next number unless the index holds it already.
   *
   * @return the number it had, or -1 when it was added (as number {@code size() - 1})
   */
  public int putIfAbsent(String name) {
    int hash = hash(name);
    int mask = table.length - 1;
    int slot = hash & mask;
    for (; ; slot = (slot + 1) & mask) {
      long entry = table[slot];
      if (entry == 0) {
        break;
      }
      if ((int) (entry >>> 32) == hash) {
        int id = (int) entry - 1;
        if (Objects.equals(names[id], name)) {
          return id;
        }
      }
    }
    if (size == names.length) {
      names = Arrays.copyOf(names, size * 2);
    }
    names[size] = name;
    table[slot] = ((long) hash << 32) | (size + 1L);
    size++;
    if (size * 2 > table.length) {
      rehash();
    }
    return -1;
  }

  /** The number of the name, added with the next number when the index does not hold it. */
  public int add(String name) {
    int id = putIfAbsent(name);
    return id >= 0 ? id : size - 1;
  }

  private void rehash() {
    long[] old = table;
    table = new long[old.length * 2];
    int mask = table.length - 1;
    for (long entry : old) {
      if (entry != 0) {
        int slot = (int) (entry >>> 32) & mask;
        while (table[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        table[slot] = entry;
      }
    }
  }

  /** The name's hash, spread so that names that differ in their last characters spread too. */
  private static int hash(String name) {
    int h = name == null ? 0 : name.hashCode();
    h *= 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}

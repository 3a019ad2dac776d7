package dev.lockstep.cli.soak;

/** The invariants a soak checks, each with what it means. */
enum Invariant {
  ENDS(
      "ends",
      "every upgrade ends (completed, rolled back, cancelled or rejected) within its deadline, by its"
          + " events on the topics, and the recorder's status says the same"),
  ONCE(
      "applied-once",
      "every cluster mutation applied once in effect: in the simulated cluster's operation log, no"
          + " step made the same write (method, object, subresource) twice, no write by the code"
          + " under test falls outside a step that names its object, and no step succeeded twice on"
          + " the topics"),
  FINAL_OBJECTS(
      "final-objects",
      "every platform's objects at the end (their lockstep.dev/version annotation and image) equal"
          + " what the recorder's version tables of its upgrades, folded in order, say"),
  RECORDER(
      "recorder-holds-topics",
      "the recorder's event table holds exactly the distinct events of the soak's platforms on the"
          + " topics"),
  DEAD_LETTERS(
      "dead-letters",
      "nothing is dead-lettered but the injected garbage, and every piece of garbage is"
          + " dead-lettered; every record of the platforms on the event topics is a readable event"),
  NO_5XX(
      "no-5xx",
      "no HTTP answer of 500 or more to the soak's calls (a 503 store-unavailable with Retry-After"
          + " while PostgreSQL is being restarted, and up to 10 s after, is listed, not counted)");

  private final String id;
  private final String description;

  Invariant(String id, String description) {
    this.id = id;
    this.description = description;
  }

  /** Its short name in the report. */
  String id() {
    return id;
  }

  /** What it means. */
  String description() {
    return description;
  }
}

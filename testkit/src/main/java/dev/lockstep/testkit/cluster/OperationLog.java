package dev.lockstep.testkit.cluster;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Every mutating request the simulated cluster received, in arrival order, with the actor that sent
 * it. Tests use it to assert what the code under test changed (and that it changed nothing else),
 * apart from the writes the simulator makes on its own. Thread-safe.
 */
public final class OperationLog {

  /** The request header a client sets to name itself in the log. */
  public static final String ACTOR_HEADER = "X-Lockstep-Actor";

  /** The actor recorded for a request without an {@value #ACTOR_HEADER} header. */
  public static final String DEFAULT_ACTOR = "client";

  /** Actors whose name starts with this prefix are part of the simulator. */
  public static final String SIMULATOR_ACTOR_PREFIX = "simulated-";

  private final AtomicLong sequence = new AtomicLong();
  private final ConcurrentSkipListMap<Long, ClusterOperation> operations =
      new ConcurrentSkipListMap<>();
  private volatile long clearedUpTo;

  OperationLog() {}

  /** Every recorded operation, oldest first. */
  public List<ClusterOperation> all() {
    return List.copyOf(operations.values());
  }

  /**
   * The operations of the code under test on the platform's objects, without the simulator's own
   * writes and the executor's Lease bookkeeping.
   */
  public List<ClusterOperation> byCodeUnderTest() {
    return query().byCodeUnderTest().list();
  }

  /** The simulator's own writes (workload status, pods, nodes). */
  public List<ClusterOperation> bySimulator() {
    return query().bySimulator().list();
  }

  /** The operations that match {@code filter}, oldest first. */
  public List<ClusterOperation> matching(Predicate<? super ClusterOperation> filter) {
    return query().where(filter).list();
  }

  /** How many operations match {@code filter}. */
  public int count(Predicate<? super ClusterOperation> filter) {
    return query().where(filter).count();
  }

  /** A filter over all operations, to narrow with its methods. */
  public Query query() {
    return new Query(this, operation -> true);
  }

  /**
   * Forgets every operation so far, including requests still being processed; later requests are
   * recorded as usual.
   */
  public void clear() {
    synchronized (operations) {
      clearedUpTo = sequence.get();
      operations.clear();
    }
  }

  /** Reserves the sequence number of a request as it arrives. */
  long arrive() {
    return sequence.incrementAndGet();
  }

  /** Records an operation once the server has answered it. */
  void record(ClusterOperation operation) {
    synchronized (operations) {
      if (operation.sequence() > clearedUpTo) {
        operations.put(operation.sequence(), operation);
      }
    }
  }

  /**
   * An immutable filter over the log; each method returns a narrower filter. Values compare
   * exactly, except methods, which ignore case.
   */
  public static final class Query {
    private final OperationLog log;
    private final Predicate<ClusterOperation> filter;

    private Query(OperationLog log, Predicate<ClusterOperation> filter) {
      this.log = log;
      this.filter = filter;
    }

    /** Only operations with one of these HTTP methods, e.g. {@code "PUT", "PATCH"}. */
    public Query method(String... methods) {
      Set<String> wanted =
          Set.copyOf(Arrays.stream(methods).map(m -> m.toUpperCase(Locale.ROOT)).toList());
      return where(operation -> wanted.contains(operation.method()));
    }

    /** Only operations on objects of this kind, e.g. {@code Deployment}. */
    public Query kind(String kind) {
      return where(operation -> Objects.equals(operation.kind(), kind));
    }

    /** Only operations on this plural resource, e.g. {@code deployments}. */
    public Query resource(String resource) {
      return where(operation -> Objects.equals(operation.resource(), resource));
    }

    /** Only operations in this namespace. */
    public Query namespace(String namespace) {
      return where(operation -> Objects.equals(operation.namespace(), namespace));
    }

    /** Only operations on the object with this name. */
    public Query name(String name) {
      return where(operation -> Objects.equals(operation.name(), name));
    }

    /** Only operations on this subresource, e.g. {@code status}. */
    public Query subresource(String subresource) {
      return where(operation -> Objects.equals(operation.subresource(), subresource));
    }

    /** Only operations on the objects themselves, not on a subresource such as status. */
    public Query mainResource() {
      return where(operation -> operation.subresource() == null);
    }

    /** Only operations by this actor. */
    public Query actor(String actor) {
      return where(operation -> operation.actor().equals(actor));
    }

    /**
     * Only the code under test's operations on the platform's objects: without the simulator's
     * writes, and without the executor's Lease bookkeeping (see {@link #leases}).
     */
    public Query byCodeUnderTest() {
      return where(operation -> operation.byCodeUnderTest() && !operation.isLease());
    }

    /** Only operations on {@code coordination.k8s.io} Leases (the executor's fence). */
    public Query leases() {
      return where(ClusterOperation::isLease);
    }

    /** Only operations by the simulator. */
    public Query bySimulator() {
      return where(ClusterOperation::bySimulator);
    }

    /** Only operations the server accepted. */
    public Query succeeded() {
      return where(ClusterOperation::succeeded);
    }

    /** Only operations that also match {@code condition}. */
    public Query where(Predicate<? super ClusterOperation> condition) {
      Objects.requireNonNull(condition, "condition");
      return new Query(log, filter.and(condition::test));
    }

    /** The matching operations, oldest first. */
    public List<ClusterOperation> list() {
      return log.operations.values().stream().filter(filter).toList();
    }

    /** How many operations match. */
    public int count() {
      return (int) log.operations.values().stream().filter(filter).count();
    }
  }
}

package dev.lockstep.events;

/**
 * The data of a Lockstep event: an immutable record of one version of one event type. The wire type
 * is looked up in the {@link EventCatalog}, never derived from the class name.
 */
public interface EventPayload {}

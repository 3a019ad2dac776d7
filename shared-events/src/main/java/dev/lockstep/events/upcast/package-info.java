/**
 * The upcasters of the standard event types, one step (vN to vN+1) each, registered in {@link
 * dev.lockstep.events.EventCatalog#standardBuilder()}.
 */
package dev.lockstep.events.upcast;

/** The Lockstep event contract. */
package dev.lockstep.events;

package dev.lockstep.manifest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A field of the release manifest that a writer may leave out: a list or map then reads as empty
 * ({@code drain}, {@code gates}, {@code requires}, ...), a flag as false. The manifest parser and
 * the event schemas of a release (from {@code upgrade.requested} v2 and {@code release.published}
 * v2 on) agree on it, so that a release has one format whichever door it comes through.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Omittable {}

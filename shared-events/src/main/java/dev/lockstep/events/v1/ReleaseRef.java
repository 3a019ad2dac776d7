package dev.lockstep.events.v1;

/**
 * A catalogued release by product and version.
 *
 * @param product the product (the release's metadata.name)
 * @param version the release version
 */
public record ReleaseRef(String product, String version) {}

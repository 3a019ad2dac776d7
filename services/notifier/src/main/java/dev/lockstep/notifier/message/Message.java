package dev.lockstep.notifier.message;

/**
 * A rendered message: a one-line subject and a plain-text body (light Markdown), the same for every
 * channel; each channel wraps it in its own format.
 *
 * @param subject one line
 * @param text the body
 */
public record Message(String subject, String text) {}

package dev.lockstep.cli.render;

import java.util.List;

/**
 * Redraws a block of lines in place on an ANSI terminal: the cursor goes back up over the previous
 * block, which is cleared, and the new one is written. Lines are cut to the terminal's width, since
 * a wrapped line would throw the count off.
 */
public final class Redraw {
  static final String ESC = "\u001b[";

  private final int width;
  private int previous;

  /** A redraw for a terminal of this many columns. */
  public Redraw(int width) {
    this.width = Math.max(20, width);
  }

  /** The text that replaces the previous block with these lines. */
  public String frame(List<String> lines) {
    StringBuilder b = new StringBuilder();
    if (previous > 0) {
      b.append(ESC).append(previous).append('A').append('\r').append(ESC).append('J');
    }
    for (String line : lines) {
      b.append(line.length() >= width ? line.substring(0, width - 2) + "…" : line).append('\n');
    }
    previous = lines.size();
    return b.toString();
  }
}

package dev.lockstep.console.afterwards;

import static dev.lockstep.console.pages.Html.text;

import dev.lockstep.console.services.ServiceApis;

/** A service's refusal as the pages show it: every error with its code, path and message. */
final class Errors {
  private Errors() {}

  /** The errors of the answer as a list (its status when it names none). */
  static String list(ServiceApis.Answer answer) {
    StringBuilder html = new StringBuilder("<ul class=\"error\" role=\"alert\">");
    for (String line : answer.errors()) {
      html.append("<li>").append(text(line)).append("</li>");
    }
    return html.append("</ul>").toString();
  }
}

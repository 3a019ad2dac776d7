package dev.lockstep.console.pages;

import static dev.lockstep.console.pages.Html.text;

import dev.lockstep.console.signin.Session;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;

/** The frame of every page: head, scripts, the navigation and who is signed in. */
public final class Layout {
  private Layout() {}

  /** A whole page; {@code session} null on the sign-in page. */
  public static String page(String title, Session session, String body) {
    StringBuilder html = new StringBuilder(4096 + body.length());
    html.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>")
        .append(text(title))
        .append(" · Lockstep</title>")
        .append("<link rel=\"stylesheet\" href=\"/static/console.css\">")
        .append("<script src=\"/static/vendor/htmx.min.js\" defer></script>")
        .append("<script src=\"/static/vendor/htmx-ext-sse.js\" defer></script>")
        .append("<script src=\"/static/console.js\" defer></script>")
        .append("</head><body><a class=\"skip\" href=\"#main\">Skip to content</a>")
        .append(
            "<header><nav aria-label=\"main\"><a class=\"brand\" href=\"/platforms\">Lockstep</a>");
    if (session != null) {
      html.append("<a href=\"/platforms\">Platforms</a>")
          .append(session.has("submitter") ? "<a href=\"/submit\">Submit a release</a>" : "")
          .append("<a href=\"/feeds\">Feeds</a>")
          .append("<span class=\"who\">signed in as ")
          .append(text(session.name()))
          .append("</span><form method=\"post\" action=\"/signout\" class=\"inline\">")
          .append(csrf(session))
          .append("<button type=\"submit\">Sign out</button></form>");
    }
    html.append("</nav></header><main id=\"main\">").append(body).append("</main></body></html>");
    return html.toString();
  }

  /** The hidden CSRF field of a form that changes something. */
  public static String csrf(Session session) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + text(session.csrf()) + "\">";
  }

  /**
   * The 403 page of a form that was not this session's (its CSRF token missing or wrong): nothing
   * was done.
   *
   * @param heading the page's heading, such as "Not approved"
   * @param rest HTML that ends the sentence, such as ". Open the upgrade again."
   * @param after HTML after the paragraph, or ""
   */
  public static MutableHttpResponse<String> formNotThisSessions(
      Session session, String title, String heading, String rest, String after) {
    return html(
        HttpStatus.FORBIDDEN,
        page(
            title,
            session,
            "<h1>"
                + text(heading)
                + "</h1><p class=\"error\" role=\"alert\">The form was not this session's (its"
                + " CSRF token is missing or wrong)"
                + rest
                + "</p>"
                + after));
  }

  /** An HTML response. */
  public static MutableHttpResponse<String> html(HttpStatus status, String html) {
    return HttpResponse.<String>status(status)
        .contentType(MediaType.TEXT_HTML_TYPE.toString() + ";charset=utf-8")
        .header("Cache-Control", "no-store")
        .header(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
                + " frame-ancestors 'none'; form-action 'self'")
        // not no-referrer: with it Chromium sends "Origin: null" on the console's own forms,
        // which Micronaut refuses as a drive-by-localhost request; same-origin still tells other
        // sites nothing (a sign-in code never leaves in a Referer)
        .header("Referrer-Policy", "same-origin")
        .body(html);
  }

  /** 200 with a whole page. */
  public static MutableHttpResponse<String> ok(String title, Session session, String body) {
    return html(HttpStatus.OK, page(title, session, body));
  }

  /** A redirect to the sign-in page. */
  public static MutableHttpResponse<String> toSignIn() {
    return HttpResponse.<String>seeOther(java.net.URI.create("/signin"))
        .header("Cache-Control", "no-store");
  }
}

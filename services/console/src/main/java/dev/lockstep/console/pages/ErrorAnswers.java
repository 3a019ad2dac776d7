package dev.lockstep.console.pages;

import static dev.lockstep.console.pages.Html.text;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.runtime.http.ErrorsBody;
import dev.lockstep.runtime.http.ErrorsBodyResponseProcessor;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's answer to a request Micronaut refuses itself (a form of the wrong content type, an
 * unknown route, a body it cannot read): for a browser a page listing every error with its path;
 * for any other client the services' {@code {"errors":[{code,path,message}]}} with the path always
 * present (empty for the request as a whole), which the services' mapper would leave out.
 */
@Singleton
@Replaces(ErrorsBodyResponseProcessor.class)
public class ErrorAnswers implements ErrorResponseProcessor<Object> {
  private final ErrorsBodyResponseProcessor errors = new ErrorsBodyResponseProcessor();

  @Override
  @SuppressWarnings("unchecked")
  public MutableHttpResponse<Object> processResponse(
      ErrorContext context, MutableHttpResponse<?> response) {
    ErrorsBody body = errors.processResponse(context, response).body();
    List<ErrorDetail> details = body == null ? List.of() : body.errors();
    MutableHttpResponse<Object> answer = (MutableHttpResponse<Object>) response;
    boolean browser =
        context.getRequest().getHeaders().accept().stream()
            .anyMatch(type -> type.matches(MediaType.TEXT_HTML_TYPE));
    if (browser) {
      return answer
          .contentType(MediaType.TEXT_HTML_TYPE.toString() + ";charset=utf-8")
          .header("Cache-Control", "no-store")
          .body(Layout.page(response.getStatus().getReason(), null, page(response, details)));
    }
    List<Map<String, Object>> json =
        details.stream()
            .map(
                d -> {
                  Map<String, Object> one = new LinkedHashMap<>();
                  one.put("code", d.code());
                  one.put("path", d.path());
                  one.put("message", d.message());
                  return one;
                })
            .toList();
    return answer
        .contentType(MediaType.APPLICATION_JSON_TYPE)
        .body(JSONObjectUtils.toJSONString(Map.of("errors", json)));
  }

  private static String page(MutableHttpResponse<?> response, List<ErrorDetail> details) {
    StringBuilder html = new StringBuilder("<section><h1>");
    html.append(text(response.getStatus().getCode() + " " + response.getStatus().getReason()))
        .append("</h1><ul class=\"errors\">");
    for (ErrorDetail detail : details) {
      html.append("<li><code>")
          .append(text(detail.path().isEmpty() ? "(the request)" : detail.path()))
          .append("</code>: ")
          .append(text(detail.message()))
          .append(" <span class=\"hint\">(")
          .append(text(detail.code()))
          .append(")</span></li>");
    }
    return html.append("</ul><p><a href=\"/\">Back to the console</a></p></section>").toString();
  }
}

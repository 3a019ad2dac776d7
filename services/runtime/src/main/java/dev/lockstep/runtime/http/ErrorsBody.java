package dev.lockstep.runtime.http;

import dev.lockstep.events.ErrorDetail;
import java.util.List;

/**
 * The body of every error response: {@code {"errors":[{code,path,message}]}}.
 *
 * @param errors every problem
 */
public record ErrorsBody(List<ErrorDetail> errors) {
  public ErrorsBody {
    errors = List.copyOf(errors);
  }

  /** A body with one problem. */
  public static ErrorsBody of(String code, String path, String message) {
    return new ErrorsBody(List.of(new ErrorDetail(code, path, message)));
  }
}

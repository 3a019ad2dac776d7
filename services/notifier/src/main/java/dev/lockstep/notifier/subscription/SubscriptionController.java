package dev.lockstep.notifier.subscription;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.Json;
import dev.lockstep.runtime.http.ApiException;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Put;
import io.micronaut.security.annotation.Secured;
import java.time.Clock;
import java.util.List;

/**
 * {@code GET|PUT /api/v1/subscriptions}: the subscription document. Channels show only the names of
 * their secrets; a document that carries a secret's value, names an unknown channel or type, or
 * cannot be read is refused with 400 and every problem.
 */
@Controller("/api/v1/subscriptions")
public class SubscriptionController {
  private final SubscriptionStore store;
  private final Clock clock;

  public SubscriptionController(SubscriptionStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** The document in force. */
  @Get(produces = MediaType.APPLICATION_JSON)
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public HttpResponse<String> get() throws JsonProcessingException {
    return HttpResponse.ok(Json.mapper().writeValueAsString(store.current()))
        .contentType(MediaType.APPLICATION_JSON_TYPE);
  }

  /** Replaces the document. */
  @Put(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
  @Secured({Roles.SUBMITTER})
  public HttpResponse<String> put(@Body String body) throws JsonProcessingException {
    SubscriptionConfig config;
    try {
      config = Json.mapper().readValue(body, SubscriptionConfig.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST,
          "invalid-subscription",
          "",
          "the body is not a subscription document: "
              + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    List<ErrorDetail> errors = config.validate();
    if (!errors.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, errors);
    }
    store.replace(config, clock.instant());
    return get();
  }
}

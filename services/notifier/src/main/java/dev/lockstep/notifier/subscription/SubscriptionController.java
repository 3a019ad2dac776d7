package dev.lockstep.notifier.subscription;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.Json;
import dev.lockstep.notifier.channel.ChannelPolicy;
import dev.lockstep.runtime.http.ApiException;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Put;
import io.micronaut.security.annotation.Secured;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET|PUT /api/v1/subscriptions}: the subscription document, with its {@code ETag}. Channels
 * show only the names of their secrets. A {@code PUT} (role {@code admin}) is read strictly and
 * refused with 400 and every problem when the body is not a well-formed document, carries a
 * secret's value, names an unknown channel or type, a secret the notifier has not declared or a
 * destination host that is not allowed; with an {@code If-Match} that no longer matches it is
 * refused with 412. A refused {@code PUT} changes nothing.
 */
@Controller("/api/v1/subscriptions")
public class SubscriptionController {
  private final SubscriptionStore store;
  private final ChannelPolicy policy;
  private final Clock clock;

  public SubscriptionController(SubscriptionStore store, ChannelPolicy policy, Clock clock) {
    this.store = store;
    this.policy = policy;
    this.clock = clock;
  }

  /** The document in force, with its entity tag. */
  @Get(produces = MediaType.APPLICATION_JSON)
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER, Roles.ADMIN})
  public HttpResponse<String> get() throws JsonProcessingException {
    return answer(store.read());
  }

  /**
   * Replaces the document. Without {@code If-Match} the last writer wins (as a deployment job that
   * pushes the file from version control wants); with it, only a writer who saw the current
   * document does.
   */
  @Put(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
  @Secured({Roles.ADMIN})
  public HttpResponse<String> put(
      @Nullable @Body String body, @Nullable @Header(HttpHeaders.IF_MATCH) String ifMatch)
      throws JsonProcessingException {
    StrictDocumentReader.Result read = StrictDocumentReader.read(body);
    if (!read.errors().isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, read.errors());
    }
    SubscriptionConfig config = read.document();
    List<ErrorDetail> errors = new ArrayList<>(config.validate());
    errors.addAll(policy.check(config));
    if (!errors.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, errors);
    }
    return answer(
        store
            .replace(config, ifMatch, clock.instant())
            .orElseThrow(
                () ->
                    ApiException.of(
                        HttpStatus.PRECONDITION_FAILED,
                        "precondition-failed",
                        "If-Match",
                        "the subscriptions have changed since this ETag was read: GET them"
                            + " again, apply the change and send the new ETag")));
  }

  private static HttpResponse<String> answer(SubscriptionStore.Versioned versioned)
      throws JsonProcessingException {
    return HttpResponse.ok(Json.mapper().writeValueAsString(versioned.document()))
        .header(HttpHeaders.ETAG, versioned.etag())
        .contentType(MediaType.APPLICATION_JSON_TYPE);
  }
}

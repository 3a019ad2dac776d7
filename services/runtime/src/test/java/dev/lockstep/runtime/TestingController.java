package dev.lockstep.runtime;

import dev.lockstep.runtime.http.ApiException;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import java.util.Map;

/** A small API with each role, as the services' controllers will look. */
@Controller("/api/v1/testing")
class TestingController {
  /** A request body with a typed field, to see bad input refused. */
  record Submission(String platform, int priority) {}

  @Get("/status")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  Map<String, Object> status(Authentication who) {
    return Map.of("user", who.getName(), "roles", who.getRoles());
  }

  @Post("/submissions")
  @Secured(Roles.SUBMITTER)
  Map<String, Object> submit(@Body Submission submission) {
    if (submission.platform() == null || submission.platform().isBlank()) {
      throw ApiException.of(
          HttpStatus.UNPROCESSABLE_ENTITY, "invalid-request", "platform", "platform is required");
    }
    return Map.of("platform", submission.platform(), "priority", submission.priority());
  }

  @Get("/platforms/{platform}")
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  Map<String, Object> platform(String platform, Authentication who) {
    dev.lockstep.runtime.security.PlatformAccess.require(who, platform);
    return Map.of("platform", platform);
  }

  @Get("/broken")
  @Secured(Roles.VIEWER)
  String broken() {
    throw new IllegalStateException("secret connection string postgres://u:p@db");
  }
}

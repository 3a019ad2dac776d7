package dev.lockstep.validator.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** URLs in measurement messages and logs lose the parts that may carry credentials. */
class UrlRedactionTest {
  @Test
  void userInformationAndQueryAreDropped() {
    assertThat(Urls.redact("https://admin:hunter2@prom.example:9090/api?token=abc"))
        .isEqualTo("https://prom.example:9090/api");
  }

  @Test
  void aPlainUrlStaysReadable() {
    assertThat(Urls.redact("http://metis.core:8080/health"))
        .isEqualTo("http://metis.core:8080/health");
  }

  @Test
  void somethingThatIsNotAUrlLosesCredentialsToo() {
    assertThat(Urls.redact("not a url user:pw@host?key=1")).isEqualTo("...host");
  }
}

package dev.lockstep.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * The ports of a local mode's extra instances come from below the ephemeral range, so that no
 * outgoing connection of another service takes one between its choice and its bind.
 */
class FreePortsTest {
  @Test
  void aPortIsFreeAndBelowTheEphemeralRangeThatOutgoingConnectionsUse() throws Exception {
    for (int i = 0; i < 20; i++) {
      int port = FreePorts.pick();
      assertThat(port).isBetween(20_000, FreePorts.EPHEMERAL_START - 1);
      try (ServerSocket bound = new ServerSocket(port)) {
        assertThat(bound.getLocalPort()).isEqualTo(port);
      }
    }
  }

  @Test
  void aPortInUseIsNotChosen() throws Exception {
    int taken = FreePorts.pick();
    try (ServerSocket listener = new ServerSocket(taken)) {
      for (int i = 0; i < 200; i++) {
        assertThat(FreePorts.pick()).isNotEqualTo(listener.getLocalPort());
      }
    }
  }
}

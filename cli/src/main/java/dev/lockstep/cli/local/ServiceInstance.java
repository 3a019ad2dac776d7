package dev.lockstep.cli.local;

import java.nio.file.Path;

/**
 * One instance of a service in the local mode: the first ({@code index} 0) of each service is the
 * one the local mode always runs, under the service's name, its configuration file and log in the
 * services' directory; with {@code --replicas N} the others are {@code executor-2}, {@code
 * executor-3} ..., each in a directory of its own.
 *
 * @param service which service
 * @param index from 0
 */
record ServiceInstance(LockstepService service, int index) {

  /** {@code executor} for the first, {@code executor-2} for the second. */
  String name() {
    return index == 0 ? service.id() : service.id() + "-" + (index + 1);
  }

  /** Where its configuration file and log go, under the services' directory. */
  Path directory(Path services) {
    return index == 0 ? services : services.resolve(name());
  }

  /** The file that records its pid, under the services' directory. */
  Path pidFile(Path services) {
    return services.resolve(name() + ".pid");
  }

  /** Its configuration file, under the services' directory. */
  Path configFile(Path services) {
    return directory(services).resolve(service.id() + ".yml");
  }

  /**
   * The executor's {@code instance-id}: a restarted instance keeps it, as a pod's restarted
   * container does, and takes its Leases back at once.
   */
  String executorInstanceId() {
    return index == 0 ? "local-executor" : "local-executor-" + (index + 1);
  }
}

package dev.lockstep.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.lockstep.events.ErrorDetail;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The boundaries the design depends on, each a rule with its reason (docs/architecture.md, "Map").
 * The main classes of every module are imported together; tests are left out, since a test may
 * reach across a boundary to set up what it checks.
 */
class ModuleBoundariesTest {
  private static final String[] SERVICES = {
    "dev.lockstep.executor..",
    "dev.lockstep.validator..",
    "dev.lockstep.notifier..",
    "dev.lockstep.recorder..",
    "dev.lockstep.console..",
  };
  private static final String[] IO = {
    "org.apache.kafka..",
    "io.fabric8..",
    "io.micronaut..",
    "java.sql..",
    "javax.sql..",
    "io.r2dbc..",
    "java.net..",
    "java.nio.file..",
  };

  /** The service packages of the planner (its pure rules share the root, in planner-core). */
  private static final String[] PLANNER_SERVICE = {
    "dev.lockstep.planner.api..",
    "dev.lockstep.planner.intake..",
    "dev.lockstep.planner.platforms..",
  };

  private static JavaClasses classes;

  @BeforeAll
  static void importEveryModule() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lockstep");
  }

  @Test
  void theEventContractDependsOnNoFrameworkAndNoService() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAnyPackage("dev.lockstep.events..", "dev.lockstep.manifest..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "io.micronaut..",
                "io.fabric8..",
                "dev.lockstep.planner..",
                "dev.lockstep.executor..",
                "dev.lockstep.validator..",
                "dev.lockstep.notifier..",
                "dev.lockstep.recorder..",
                "dev.lockstep.runtime..",
                "dev.lockstep.cli..",
                "dev.lockstep.testkit..")
            .because(
                "shared-events is the contract every service and every producer builds on"
                    + " (DESIGN section 3); it must not pull a framework or a service into them");
    rule.check(classes);
  }

  @Test
  void theConsoleIsAnHttpClientOfTheServicesAndTouchesNoKafka() {
    noClasses()
        .that()
        .resideInAPackage("dev.lockstep.console..")
        .should()
        .dependOnClassesThat(
            JavaClass.Predicates.resideInAnyPackage(
                    "org.apache.kafka..", "dev.lockstep.runtime.kafka..", "dev.lockstep.events..")
                // the HTTP APIs' error shape ({"errors":[{code,path,message}]}) is no event
                .and(DescribedPredicate.not(JavaClass.Predicates.equivalentTo(ErrorDetail.class))))
        .because(
            "the console calls the services' HTTP APIs like the CLI, so the five keep talking only"
                + " through events and it can show a token nothing its API would not"
                + " (docs/architecture.md, The console); of the events module it uses only the"
                + " APIs' error shape")
        .check(classes);
  }

  @Test
  void noServiceReachesIntoAnother() {
    for (String service : SERVICES) {
      Set<String> others = new java.util.LinkedHashSet<>(java.util.List.of(SERVICES));
      others.remove(service);
      others.add("dev.lockstep.planner..");
      noClasses()
          .that()
          .resideInAPackage(service)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(others.toArray(String[]::new))
          .because(
              "services talk only through versioned events on Kafka (DESIGN section 2), so each"
                  + " can be deployed, scaled and upgraded alone")
          .check(classes);
    }
    noClasses()
        .that()
        .resideInAnyPackage(PLANNER_SERVICE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(SERVICES)
        .because("the planner talks to the other services only through events")
        .check(classes);
  }

  @Test
  void thePlanningRulesAreFreeOfServiceCode() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.lockstep.planner.ordering..",
            "dev.lockstep.planner.planning..",
            "dev.lockstep.planner.rollback..",
            "dev.lockstep.planner.risk..",
            "dev.lockstep.planner.validation..",
            "dev.lockstep.planner.model..",
            "dev.lockstep.planner.bundles..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(PLANNER_SERVICE)
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.lockstep.runtime..", "io.micronaut..")
        .because(
            "planner-core runs in the planner and in `lockstep plan --offline` alike: the same"
                + " rules and errors everywhere")
        .check(classes);
  }

  @Test
  void thePureCoresDoNoIo() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.lockstep.planner.ordering..",
            "dev.lockstep.planner.planning..",
            "dev.lockstep.planner.rollback..",
            "dev.lockstep.planner.risk..",
            "dev.lockstep.planner.validation..",
            "dev.lockstep.planner.model..",
            "dev.lockstep.executor.saga..",
            "dev.lockstep.validator.analysis..",
            "dev.lockstep.validator.condition..",
            "dev.lockstep.recorder.projection..",
            "dev.lockstep.notifier.message..")
        .should()
        .dependOnClassesThat(io())
        .because(
            "decisions are pure functions of their inputs (STYLE.md, 'Pure core, thin edges'):"
                + " that is what makes replay, what-if planning and fast tests possible")
        .check(classes);
  }

  @Test
  void onlyTheExecutorChangesACluster() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "dev.lockstep.executor..", "dev.lockstep.testkit..", "dev.lockstep.cli.local..")
        .should()
        .callMethodWhere(fabric8Write())
        .because(
            "only the executor changes a cluster, recording every object's state before it does"
                + " (DESIGN section 2); the validator only reads. The testkit's simulated cluster"
                + " and the local mode seeding it are the exceptions, on a cluster of their own")
        .check(classes);
  }

  /**
   * Kafka, fabric8, Micronaut, JDBC, R2DBC, the network and files; but not the value types of
   * java.net (a URI, an IP address parsed from a literal: no lookup, no connection).
   */
  private static DescribedPredicate<com.tngtech.archunit.core.domain.JavaClass> io() {
    return DescribedPredicate.describe(
        "do I/O (Kafka, fabric8, Micronaut, JDBC, R2DBC, java.net but URI, java.nio.file)",
        c -> {
          String name = c.getName();
          if (VALUES.contains(name)) {
            return false;
          }
          for (String prefix : IO) {
            String p = prefix.substring(0, prefix.length() - 2);
            if (c.getPackageName().equals(p) || c.getPackageName().startsWith(p + ".")) {
              return true;
            }
          }
          return false;
        });
  }

  private static final Set<String> VALUES =
      Set.of(
          "java.net.URI",
          "java.net.URISyntaxException",
          "java.net.InetAddress",
          "java.net.Inet4Address",
          "java.net.Inet6Address",
          "java.net.UnknownHostException");

  private static final Set<String> WRITES =
      Set.of(
          "create",
          "createOr",
          "createOrReplace",
          "replace",
          "patch",
          "edit",
          "delete",
          "update",
          "updateStatus",
          "serverSideApply",
          "scale",
          "rolling");

  private static DescribedPredicate<JavaCall<?>> fabric8Write() {
    return DescribedPredicate.describe(
        "a fabric8 method that writes (create, replace, patch, edit, delete, update, scale, ...)",
        call ->
            call.getTargetOwner().getPackageName().startsWith("io.fabric8.kubernetes.client")
                && WRITES.contains(call.getName()));
  }
}

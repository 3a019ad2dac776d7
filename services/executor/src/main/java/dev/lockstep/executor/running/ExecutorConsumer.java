package dev.lockstep.executor.running;

import dev.lockstep.events.Topics;
import dev.lockstep.runtime.kafka.ConsumerSpec;
import dev.lockstep.runtime.kafka.EventConsumers;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.StartupEvent;
import jakarta.inject.Singleton;
import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads plans, commands and gate verdicts for the {@link SagaRunner}. The consumer group decides
 * ownership: the instance assigned a platform's partition runs that platform's upgrades; on
 * assignment it rebuilds them from the log, on revocation it stops acting on them.
 */
@Singleton
public class ExecutorConsumer implements ApplicationEventListener<StartupEvent> {
  private final EventConsumers consumers;
  private final SagaRunner runner;
  private final ExecutorSettings settings;

  public ExecutorConsumer(EventConsumers consumers, SagaRunner runner, ExecutorSettings settings) {
    this.consumers = consumers;
    this.runner = runner;
    this.settings = settings;
  }

  @Override
  public void onApplicationEvent(StartupEvent event) {
    consumers.start(
        ConsumerSpec.of(settings.getGroup(), Topics.PLANS, Topics.GATES)
            .withRebalanceListener(
                new ConsumerRebalanceListener() {
                  @Override
                  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    runner.revoked(partitions);
                  }

                  @Override
                  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    runner.assigned(partitions);
                  }

                  @Override
                  public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    runner.revoked(partitions);
                  }
                }),
        runner::handle);
  }
}

package dev.fleettrace.agent.node;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

final class CompletionStages {
    private CompletionStages() {}

    /** Calls {@code handler} with the cause if {@code stage} fails; a send that throws counts as failed. */
    static void onFailure(CompletionStage<?> stage, Consumer<Throwable> handler) {
        stage.whenComplete((ok, err) -> {
            if (err != null) handler.accept(err instanceof CompletionException c && c.getCause() != null ? c.getCause() : err);
        });
    }
}

package dev.jiommu.hw.bus;

import java.util.ArrayDeque;

/**
 * The machine's deterministic work queue: hardware that acts later than the
 * access that started it (a device working through its descriptor ring, a
 * function retrying after a PRG response, an interrupt reaching its handler)
 * posts that work here, and whoever drives the machine (a test, a scenario,
 * the qtest clock) runs it.
 *
 * <p>Invariants: tasks run one at a time, in the order they were posted, on
 * the caller's thread; a task may post more tasks, which run after every task
 * posted before them. Nothing runs inside {@link #post}, so a device never
 * re-enters the model that called it.
 */
public final class Scheduler {

    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private long ran;

    public void post(Runnable task) {
        tasks.add(task);
    }

    /** Tasks waiting to run. */
    public int pending() {
        return tasks.size();
    }

    /** Tasks run so far. */
    public long ran() {
        return ran;
    }

    /** Runs the oldest task, if any; returns whether one ran. */
    public boolean runOne() {
        Runnable t = tasks.poll();
        if (t == null) {
            return false;
        }
        ran++;
        t.run();
        return true;
    }

    /**
     * Runs tasks until none is left or {@code limit} have run (a device that
     * keeps posting work forever is a model bug; the limit makes a test fail
     * instead of hang).
     *
     * @return the number of tasks run
     */
    public long runUntilIdle(long limit) {
        long n = 0;
        while (n < limit && runOne()) {
            n++;
        }
        return n;
    }

    /** {@link #runUntilIdle(long)} with a limit of 10 million tasks. */
    public long runUntilIdle() {
        return runUntilIdle(10_000_000L);
    }
}

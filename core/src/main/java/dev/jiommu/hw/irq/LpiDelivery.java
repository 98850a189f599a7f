package dev.jiommu.hw.irq;

import dev.jiommu.hw.bus.Scheduler;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The part of a redistributor and CPU interface the ITS's LPIs need: one
 * pending bit per LPI, and the hand-over of a pending LPI to software's
 * handler. LPI configuration (GICR_PROPBASER priority and enable) and
 * targeting (collections) are not modelled: every LPI is enabled and goes to
 * the one CPU whose handlers are registered here.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Pending is a bit: an LPI raised while pending stays pending once and
 *       is delivered once ({@link #coalesced()} counts the extra raises).</li>
 *   <li>Delivery clears the pending bit before the handler runs, so a raise
 *       from inside the handler is a new interrupt, delivered after it.</li>
 *   <li>With a {@link Scheduler}, every raise that sets a pending bit posts one
 *       delivery; the handler runs when the scheduler runs it, never inside
 *       the write that raised it. Without one, delivery happens before
 *       {@link #raise} returns, except that a raise from inside a handler is
 *       delivered after that handler returns: handlers never nest.</li>
 *   <li>LPIs are delivered in the order they became pending.</li>
 *   <li>A handler's {@link RuntimeException} is recorded, not propagated: the
 *       interrupt controller does not care how software's handler fails.</li>
 * </ul>
 */
final class LpiDelivery {

    private final Scheduler scheduler;
    private final Runnable deliverNext = this::deliverNext;
    /** One pending bit per INTID (a plain word array: clearing a bit costs one store, unlike BitSet's). */
    private long[] pending = new long[0];
    /** Handlers by INTID; null where none is registered. Grown to the highest INTID registered. */
    private LpiHandler[] handlers = new LpiHandler[0];
    private LpiHandler anyHandler;

    /** LPIs in the order they became pending, as a ring; entries made stale by a discard stay until popped. */
    private int[] order = new int[16];
    private int head;
    private int count;
    private boolean draining;
    /** Per LPI, how many of its entries in {@link #order} were discarded: all older than its live entry. */
    private final Map<Integer, Integer> stale = new HashMap<>();

    private long delivered;
    private long unclaimed;
    private long coalesced;
    private long handlerFailures;
    private RuntimeException firstHandlerFailure;

    LpiDelivery(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    void raise(int intid) {
        if (isPending(intid)) {
            coalesced++;
            return;
        }
        setPending(intid, true);
        enqueue(intid);
        if (scheduler != null) {
            scheduler.post(deliverNext);
            return;
        }
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (count > 0) {
                deliverNext();
            }
        } finally {
            draining = false;
        }
    }

    /** Removes the pending state of {@code intid}, as DISCARD does; a posted delivery then finds nothing. */
    void discard(int intid) {
        if (isPending(intid)) {
            setPending(intid, false);
            stale.merge(intid, 1, Integer::sum);
        }
    }

    boolean isPending(int intid) {
        int w = intid >>> 6;
        return w < pending.length && (pending[w] & 1L << intid) != 0;
    }

    private void setPending(int intid, boolean on) {
        int w = intid >>> 6;
        if (w >= pending.length) {
            if (!on) {
                return;
            }
            pending = Arrays.copyOf(pending, Math.max(w + 1, 2 * pending.length));
        }
        pending[w] = on ? pending[w] | 1L << intid : pending[w] & ~(1L << intid);
    }

    void handler(int intid, LpiHandler handler) {
        if (intid >= handlers.length) {
            if (handler == null) {
                return;
            }
            handlers = Arrays.copyOf(handlers, Math.max(intid + 1, 2 * handlers.length));
        }
        handlers[intid] = handler;
    }

    void anyHandler(LpiHandler handler) {
        anyHandler = handler;
    }

    long delivered() {
        return delivered;
    }

    long unclaimed() {
        return unclaimed;
    }

    long coalesced() {
        return coalesced;
    }

    long handlerFailures() {
        return handlerFailures;
    }

    RuntimeException firstHandlerFailure() {
        return firstHandlerFailure;
    }

    private void enqueue(int intid) {
        if (count == order.length) {
            int[] grown = Arrays.copyOf(order, order.length * 2);
            for (int i = 0; i < head; i++) {
                grown[order.length + i] = order[i];
            }
            order = grown;
        }
        order[(head + count) & (order.length - 1)] = intid;
        count++;
    }

    private void deliverNext() {
        if (count == 0) {
            return;
        }
        int intid = order[head];
        head = (head + 1) & (order.length - 1);
        count--;
        if (!stale.isEmpty()) {
            Integer n = stale.get(intid);
            if (n != null) {
                if (n == 1) {
                    stale.remove(intid);
                } else {
                    stale.put(intid, n - 1);
                }
                return;
            }
        }
        setPending(intid, false);
        LpiHandler h = intid < handlers.length ? handlers[intid] : null;
        if (h == null) {
            h = anyHandler;
        }
        if (h == null) {
            unclaimed++;
            return;
        }
        delivered++;
        try {
            h.lpi(intid);
        } catch (RuntimeException e) {
            handlerFailures++;
            if (firstHandlerFailure == null) {
                firstHandlerFailure = e;
            }
        }
    }
}

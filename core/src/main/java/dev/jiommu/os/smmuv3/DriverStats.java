package dev.jiommu.os.smmuv3;

/**
 * What the driver counted: commands, syncs and their failures, command queue
 * errors by CERROR, global errors by GERROR bit, events, PRI requests, and
 * queue overflows. Counters only grow; tests and reports read them.
 */
public final class DriverStats {

    /** Commands written to the command queue, CMD_SYNCs included. */
    public long commands;
    /** CMD_SYNCs issued and waited for. */
    public long syncs;
    /** CMD_SYNC waits that timed out. */
    public long syncTimeouts;
    /** Waits for command queue space that timed out. */
    public long queueFullTimeouts;
    /** Times the driver had to wait for command queue space. */
    public long queueFullWaits;
    /** Command queue errors seen, indexed by CMDQ_CONS.ERR (CERROR_NONE, _ILL, _ABT, _ATC_INV; other codes at 4). */
    public final long[] cmdqErrors = new long[5];
    /** Commands the driver replaced with CMD_SYNC after a CERROR_ILL. */
    public long commandsSkipped;
    /** Global error interrupts that found an error active. */
    public long gerrorInterrupts;
    /** Active global errors, indexed by GERROR bit number. */
    public final long[] gerrors = new long[9];
    /** Event queue records consumed. */
    public long events;
    /** Event records with STALL = 1. */
    public long stallEvents;
    /** Stalled transactions the driver terminated because nobody handled them. */
    public long stallsAborted;
    /** Event queue overflows detected (EVTQ_PROD.OVFLG toggled). */
    public long evtqOverflows;
    /** PRI queue entries consumed. */
    public long priRequests;
    /** Page request groups the driver denied because nobody handled them. */
    public long priDenied;
    /** PRI queue overflows detected (PRIQ_PROD.OVFLG toggled). */
    public long priqOverflows;
    /** Interrupt handler runs, per source. */
    public long evtqIrqs;
    public long priqIrqs;
    public long gerrorIrqs;
    /** Commands the builder refused (unknown opcode, field out of range). */
    public long badCommands;

    /** Command queue errors of every kind. */
    public long cmdqErrorsTotal() {
        long n = 0;
        for (long e : cmdqErrors) {
            n += e;
        }
        return n;
    }
}

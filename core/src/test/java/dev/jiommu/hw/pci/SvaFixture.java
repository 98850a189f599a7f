package dev.jiommu.hw.pci;

/**
 * A host with one {@link SvaTestFunction} at 00:02.0, reached only through
 * ECAM ({@link #cfg}) and, once {@link #mapBar0} ran, through a memory window.
 */
class SvaFixture {

    static final int DEVFN = PciBus.devfn(2, 0);
    static final int RID = DEVFN;
    static final long BAR0 = 0x1000_0000L;

    final RecordingDma dma = new RecordingDma();
    final PciHost host = new PciHost();
    final SvaTestFunction fn = new SvaTestFunction(dma);
    final ConfigWalker cfg;

    SvaFixture() {
        host.rootBus().attach(DEVFN, fn);
        cfg = new ConfigWalker(host, 0, DEVFN);
    }

    /** Programs BAR0 and sets COMMAND.MEMORY and COMMAND.MASTER, as a driver's probe does. */
    dev.jiommu.hw.bus.MmioDevice mapBar0() {
        cfg.write32(PciRegs.PCI_BASE_ADDRESS_0, BAR0);
        cfg.write16(PciRegs.PCI_COMMAND, PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_MASTER);
        return host.memoryWindow(BAR0);
    }
}

package dev.jiommu;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rules of DESIGN.md ("The two sides of the architected
 * interface"), checked over the production classes.
 *
 * <p>Rules about packages that do not exist yet allow an empty subject
 * ({@code allowEmptyShould(true)}), so they start biting as soon as the first
 * class lands in the package.
 */
@AnalyzeClasses(packages = "dev.jiommu", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String[] ABOVE_HARDWARE = {
        "dev.jiommu.os..", "dev.jiommu.vfio..", "dev.jiommu.virt..",
        "dev.jiommu.sim..", "dev.jiommu.cli..", "dev.jiommu.qtest..",
    };

    private static final String[] HARDWARE_AND_ABOVE = {
        "dev.jiommu.hw..", "dev.jiommu.os..", "dev.jiommu.vfio..", "dev.jiommu.virt..",
        "dev.jiommu.sim..", "dev.jiommu.cli..", "dev.jiommu.qtest..",
    };

    @ArchTest
    static final ArchRule hardware_does_not_know_the_software_above_it = noClasses()
            .that().resideInAPackage("dev.jiommu.hw..")
            .should().dependOnClassesThat().resideInAnyPackage(ABOVE_HARDWARE)
            .because("the model answers software only through the architected interface")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule spec_is_shared_and_depends_on_neither_side = noClasses()
            .that().resideInAPackage("dev.jiommu.spec..")
            .should().dependOnClassesThat().resideInAnyPackage(HARDWARE_AND_ABOVE)
            .because("spec.* is the architecture as data, used by both the model and the driver")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule pgtable_is_shared_and_depends_on_neither_side = noClasses()
            .that().resideInAPackage("dev.jiommu.pgtable..")
            .should().dependOnClassesThat().resideInAnyPackage(HARDWARE_AND_ABOVE)
            .because("one walker serves both the CPU MMU and the SMMU")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule mem_is_shared_and_depends_on_neither_side = noClasses()
            .that().resideInAPackage("dev.jiommu.mem..")
            .should().dependOnClassesThat().resideInAnyPackage(HARDWARE_AND_ABOVE)
            .because("physical memory sits below both sides")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule driver_reaches_the_smmu_only_through_bus_and_memory = noClasses()
            .that().resideInAPackage("dev.jiommu.os..")
            .should().dependOnClassesThat().resideInAPackage("dev.jiommu.hw.smmu..")
            .because("the driver sees registers and memory, never the model's classes;"
                    + " the same driver runs against a virtual SMMU in a guest")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule only_the_cli_uses_picocli = noClasses()
            .that().resideOutsideOfPackage("dev.jiommu.cli..")
            .should().dependOnClassesThat().resideInAPackage("picocli..")
            .because("the model is a library; the command line is one client of it");

    @ArchTest
    static final ArchRule only_the_cli_ends_the_process = noClasses()
            .that().resideOutsideOfPackage("dev.jiommu.cli..")
            .should().callMethod(System.class, "exit", int.class)
            .orShould().callMethod(Runtime.class, "exit", int.class)
            .orShould().callMethod(Runtime.class, "halt", int.class)
            .because("errors are results or exceptions; only Main turns them into an exit status");
}

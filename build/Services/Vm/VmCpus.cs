namespace GpuImageBuilder.Build.Services.Vm;

/// <summary>
/// How many vCPUs a VM gets. Under TCG, one: Linux guests with several vCPUs under TCG find the TSCs unsynchronised,
/// and every so often stop for good in early boot (issue 12, bench/smoke-stall.sh); with one vCPU there is nothing to
/// synchronise. TCG runs a single vCPU on one host thread, so little speed is lost. KVM gets what --cpus asks for.
/// </summary>
public static class VmCpus
{
    public static int For(string accelerator, int requested) => accelerator == "tcg" ? 1 : requested;

    public static string Describe(int cpus) => cpus == 1 ? "1 vCPU" : $"{cpus} vCPUs";
}

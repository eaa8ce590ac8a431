// Tests that run the host as a process are independent; let NUnit use both cores.
[assembly: NUnit.Framework.Parallelizable(NUnit.Framework.ParallelScope.Fixtures)]
[assembly: NUnit.Framework.LevelOfParallelism(2)]

// The build drives QEMU, Packer and libguestfs: the tests run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

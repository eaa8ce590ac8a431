using System.Reflection;
using Cake.Frosting;
using GpuImageBuilder.Build.Parameters;

namespace GpuImageBuilder.Build.Tasks;

/// <summary>The inputs a task needs; checked together before the run starts.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NeedsInputsAttribute(ParameterGroup groups) : Attribute
{
    public ParameterGroup Groups { get; } = groups;
}

/// <summary>The union of the inputs of a set of tasks, by task name.</summary>
public static class TaskInputs
{
    private static readonly Lazy<IReadOnlyDictionary<string, ParameterGroup>> ByName = new(() =>
        typeof(TaskInputs).Assembly.GetTypes()
            .Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && !t.IsAbstract)
            .ToDictionary(
                CakeHost.TaskName,
                t => t.GetCustomAttribute<NeedsInputsAttribute>()?.Groups ?? ParameterGroup.None,
                StringComparer.OrdinalIgnoreCase));

    public static ParameterGroup For(IEnumerable<string> taskNames) =>
        taskNames.Aggregate(ParameterGroup.Images, (acc, name) => acc | ByName.Value.GetValueOrDefault(name));
}

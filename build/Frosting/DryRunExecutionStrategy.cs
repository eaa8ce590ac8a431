using Cake.Core;
using Cake.Core.Diagnostics;

namespace Cake.Frosting;

/// <summary>
/// --dryrun: walk the plan and print it, run nothing (no setup, no criteria, no task bodies). Cake's own
/// dry-run strategy is internal to Cake.Cli, which this project cannot reference.
/// </summary>
public sealed class DryRunExecutionStrategy(ICakeLog log) : IExecutionStrategy
{
    private int _index;

    public void PerformSetup(Action<ISetupContext> action, ISetupContext context)
    {
    }

    public void PerformTeardown(Action<ITeardownContext> action, ITeardownContext teardownContext)
    {
    }

    public Task ExecuteAsync(CakeTask task, ICakeContext context)
    {
        if (task is not null)
        {
            _index++;
            log.Information("{0}. {1}", _index, task.Name);
        }

        return Task.CompletedTask;
    }

    public void Skip(CakeTask task, CakeTaskCriteria criteria)
    {
    }

    public Task ReportErrorsAsync(Func<Exception, Task> action, Exception exception) => Task.CompletedTask;

    public Task HandleErrorsAsync(Func<Exception, ICakeContext, Task> action, Exception exception, ICakeContext context) =>
        Task.CompletedTask;

    public Task InvokeFinallyAsync(Func<ICakeContext, Task> action, ICakeContext context) => Task.CompletedTask;

    public void PerformTaskSetup(Action<ITaskSetupContext> action, ITaskSetupContext taskSetupContext)
    {
    }

    public void PerformTaskTeardown(Action<ITaskTeardownContext> action, ITaskTeardownContext taskTeardownContext)
    {
    }
}

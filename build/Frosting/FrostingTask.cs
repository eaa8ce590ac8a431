using Cake.Core;

namespace Cake.Frosting;

/// <summary>What the host needs from a task, whatever its context type.</summary>
public interface IFrostingTask
{
    Task RunAsync(ICakeContext context);

    bool ShouldRun(ICakeContext context);

    void OnError(Exception exception, ICakeContext context);

    void Finally(ICakeContext context);
}

/// <summary>A synchronous task. Override <see cref="Run"/>; the other members are optional.</summary>
public abstract class FrostingTask<TContext> : IFrostingTask
    where TContext : ICakeContext
{
    public virtual void Run(TContext context)
    {
    }

    /// <summary>False skips the task; log the reason here, the report only says "Skipped".</summary>
    public virtual bool ShouldRun(TContext context) => true;

    /// <summary>Called when the task fails. The host rethrows afterwards: a handler never swallows a failure.</summary>
    public virtual void OnError(Exception exception, TContext context)
    {
    }

    public virtual void Finally(TContext context)
    {
    }

    Task IFrostingTask.RunAsync(ICakeContext context)
    {
        Run((TContext)context);
        return Task.CompletedTask;
    }

    bool IFrostingTask.ShouldRun(ICakeContext context) => ShouldRun((TContext)context);

    void IFrostingTask.OnError(Exception exception, ICakeContext context) => OnError(exception, (TContext)context);

    void IFrostingTask.Finally(ICakeContext context) => Finally((TContext)context);
}

/// <summary>An asynchronous task. Override <see cref="RunAsync"/>.</summary>
public abstract class AsyncFrostingTask<TContext> : IFrostingTask
    where TContext : ICakeContext
{
    public virtual Task RunAsync(TContext context) => Task.CompletedTask;

    public virtual bool ShouldRun(TContext context) => true;

    public virtual void OnError(Exception exception, TContext context)
    {
    }

    public virtual void Finally(TContext context)
    {
    }

    Task IFrostingTask.RunAsync(ICakeContext context) => RunAsync((TContext)context);

    bool IFrostingTask.ShouldRun(ICakeContext context) => ShouldRun((TContext)context);

    void IFrostingTask.OnError(Exception exception, ICakeContext context) => OnError(exception, (TContext)context);

    void IFrostingTask.Finally(ICakeContext context) => Finally((TContext)context);
}

/// <summary>A task on the plain context.</summary>
public abstract class FrostingTask : FrostingTask<ICakeContext>
{
}

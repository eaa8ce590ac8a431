using Cake.Core;

namespace Cake.Frosting;

/// <summary>Base class for a build's typed context, as in Cake.Frosting.</summary>
public class FrostingContext(ICakeContext context) : CakeContextAdapter(context)
{
}

/// <summary>Runs once around the whole run, as Cake.Frosting's lifetime does.</summary>
public abstract class FrostingLifetime<TContext>
    where TContext : ICakeContext
{
    public virtual void Setup(TContext context, ISetupContext info)
    {
    }

    public virtual void Teardown(TContext context, ITeardownContext info)
    {
    }
}

using System.Reflection;
using System.Runtime.ExceptionServices;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.Graph;
using Cake.Core.IO;
using Cake.Core.Tooling;
using Microsoft.Extensions.DependencyInjection;

namespace Cake.Frosting;

/// <summary>
/// A small stand-in for Cake.Frosting's CakeHost, on Cake.Core's real engine (CakeEngine, DefaultExecutionStrategy,
/// CakeReportPrinter). Cake.Frosting is not on this project's package feed; this keeps the same shape
/// (<c>new CakeHost().UseContext&lt;T&gt;().UseLifetime&lt;T&gt;().Run(args)</c>, tasks found by reflection,
/// attributes for names and dependencies) so that switching to the real package means deleting this folder and
/// adding a PackageReference.
/// Over 200 lines: it stands in for several classes of the real package (host, engine set-up, help, tree and
/// description runners); it goes away whole with the switch.
/// </summary>
public sealed class CakeHost
{
    private Type _contextType = typeof(FrostingContext);
    private Type? _lifetimeType;
    private readonly List<Assembly> _taskAssemblies = [Assembly.GetEntryAssembly() ?? typeof(CakeHost).Assembly];
    private Func<ICakeContext, string>? _helpText;
    private TextWriter _out = Console.Out;
    private readonly List<Action<IServiceCollection>> _configureServices = [];

    public CakeHost UseContext<TContext>()
        where TContext : ICakeContext
    {
        _contextType = typeof(TContext);
        return this;
    }

    public CakeHost UseLifetime<TLifetime>()
        where TLifetime : class
    {
        _lifetimeType = typeof(TLifetime);
        return this;
    }

    /// <summary>Registers services that tasks receive through their constructors, as in Cake.Frosting.</summary>
    public CakeHost ConfigureServices(Action<IServiceCollection> configure)
    {
        _configureServices.Add(configure);
        return this;
    }

    /// <summary>Another assembly whose tasks are registered, besides the entry assembly's (as in Frosting).</summary>
    public CakeHost AddAssembly(Assembly assembly)
    {
        if (!_taskAssemblies.Contains(assembly))
        {
            _taskAssemblies.Add(assembly);
        }

        return this;
    }

    /// <summary>Text appended to --help after the host's own options (the build's parameters).</summary>
    public CakeHost UseHelpText(Func<ICakeContext, string> helpText)
    {
        _helpText = helpText;
        return this;
    }

    /// <summary>Where --help, --tree and --description write (tests capture it).</summary>
    public CakeHost UseOutput(TextWriter output)
    {
        _out = output;
        return this;
    }

    public int Run(IEnumerable<string> args) => RunAsync(args).GetAwaiter().GetResult();

    public async Task<int> RunAsync(IEnumerable<string> args)
    {
        HostOptions options;
        try
        {
            options = HostOptions.Parse(args.ToList());
        }
        catch (HostUsageException ex)
        {
            await Console.Error.WriteLineAsync($"Error: {ex.Message}");
            return 2;
        }

        var environment = new CakeEnvironment(new CakePlatform(), new CakeRuntime());
        var console = new CakeConsole(environment);
        ICakeContext? typedContext = null;

        // Defaults first, then the build's registrations: the last registration of a service wins (its ICakeLog too).
        var collection = new ServiceCollection();
        collection.AddSingleton<ICakeEnvironment>(environment);
        collection.AddSingleton<IConsole>(console);
        collection.AddSingleton<ICakeLog>(sp => new CakeBuildLog(sp.GetRequiredService<IConsole>()));
        collection.AddSingleton(typeof(ICakeContext), _ => typedContext ?? throw new InvalidOperationException("the context is not created yet"));
        collection.AddSingleton(_contextType, _ => typedContext ?? throw new InvalidOperationException("the context is not created yet"));
        foreach (var configure in _configureServices)
        {
            configure(collection);
        }

        await using var provider = collection.BuildServiceProvider();
        var log = provider.GetRequiredService<ICakeLog>();
        log.Verbosity = options.Verbosity;
        try
        {
            var fileSystem = new FileSystem();
            var globber = new Globber(fileSystem, environment);
            var configuration = new CakeConfigurationProvider(fileSystem, environment)
                .CreateConfiguration(environment.WorkingDirectory, new Dictionary<string, string>());
            var toolRepository = new ToolRepository(environment);
            var toolStrategy = new ToolResolutionStrategy(fileSystem, environment, globber, configuration, log);
            var toolLocator = new ToolLocator(environment, toolRepository, toolStrategy);
            var processRunner = new ProcessRunner(fileSystem, environment, log, toolLocator, configuration);
            var dataService = new CakeDataService();
            var cakeContext = new CakeContext(
                fileSystem,
                environment,
                globber,
                log,
                new CakeArguments(options.Arguments),
                processRunner,
                new WindowsRegistry(),
                toolLocator,
                dataService,
                configuration,
                new NoToolInstaller(),
                provider);

            typedContext = CreateContext(cakeContext);
            var engine = new CakeEngine(dataService, log);
            var tasks = RegisterTasks(engine, typedContext, provider, options.DryRun);
            RegisterLifetime(engine, typedContext, provider);

            if (options.ShowHelp)
            {
                WriteHelp(typedContext);
                return 0;
            }

            if (options.ShowDescription)
            {
                WriteDescriptions(tasks);
                return 0;
            }

            if (options.ShowTree)
            {
                WriteTree(engine.Tasks, options.Arguments.Contains("target") ? options.Target : null);
                return 0;
            }

            var printer = new CakeReportPrinter(console, typedContext);
            IExecutionStrategy strategy = options.DryRun
                ? new DryRunExecutionStrategy(log)
                : new DefaultExecutionStrategy(log, printer);
            var settings = new ExecutionSettings().SetTarget(options.Target);
            if (options.Exclusive)
            {
                settings.UseExclusiveTarget();
            }

            if (options.DryRun)
            {
                log.Information("Performing dry run: the plan for target '{0}'{1}. Nothing is executed.", options.Target, options.Exclusive ? " (exclusive)" : string.Empty);
            }

            try
            {
                var report = await engine.RunTargetAsync(typedContext, strategy, settings);
                // Cake's printer writes the table at every verbosity; quiet and minimal mean less output.
                if (!options.DryRun && report is { IsEmpty: false } && options.Verbosity >= Verbosity.Normal)
                {
                    printer.Write(report);
                }
            }
            catch (CakeReportException ex)
            {
                // A failure before any task ran (setup: missing inputs) has nothing worth a table.
                if (ex.Report is { IsEmpty: false } && ex.Report.Any(e => e.TaskName is not ("Setup" or "Teardown")))
                {
                    printer.Write(ex.Report);
                }

                throw ex.InnerException ?? ex;
            }

            return 0;
        }
        catch (Exception ex)
        {
            WriteError(log, options.Verbosity, ex);
            return 1;
        }
    }

    private ICakeContext CreateContext(ICakeContext cakeContext)
    {
        if (_contextType.IsInstanceOfType(cakeContext))
        {
            return cakeContext;
        }

        var ctor = _contextType.GetConstructor([typeof(ICakeContext)])
            ?? throw new InvalidOperationException($"{_contextType.Name} needs a public constructor taking ICakeContext.");
        return (ICakeContext)Invoke(() => ctor.Invoke([cakeContext]))!;
    }

    private IReadOnlyList<(string Name, string? Description)> RegisterTasks(ICakeEngine engine, ICakeContext context, IServiceProvider services, bool dryRun)
    {
        var taskTypes = _taskAssemblies.SelectMany(a => a.GetTypes())
            .Where(t => typeof(IFrostingTask).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();
        var result = new List<(string, string?)>();
        foreach (var type in taskTypes)
        {
            // Created when first needed, with its services from the container: --help and --tree construct nothing.
            var instance = new Lazy<IFrostingTask>(() => (IFrostingTask)Invoke(() => ActivatorUtilities.CreateInstance(services, type))!);
            var name = TaskName(type);
            var description = type.GetCustomAttribute<TaskDescriptionAttribute>()?.Description;
            var builder = engine.RegisterTask(name);
            if (description is not null)
            {
                builder.Description(description);
            }

            foreach (var dependency in type.GetCustomAttributes<IsDependentOnAttribute>())
            {
                builder.IsDependentOn(TaskName(dependency.Task));
            }

            foreach (var dependee in type.GetCustomAttributes<IsDependeeOfAttribute>())
            {
                builder.IsDependeeOf(TaskName(dependee.Task));
            }

            // In a dry run nothing of the task runs, its criteria included: they may touch inputs not yet checked.
            if (Overrides(type, nameof(IFrostingTask.ShouldRun)))
            {
                builder.WithCriteria(ctx => dryRun || instance.Value.ShouldRun(context));
            }

            builder.Does(() => instance.Value.RunAsync(context));

            // Cake treats an error handler as "handled": rethrow so that a failing task always fails the build.
            if (Overrides(type, nameof(IFrostingTask.OnError)))
            {
                builder.OnError(exception =>
                {
                    instance.Value.OnError(exception, context);
                    ExceptionDispatchInfo.Capture(exception).Throw();
                });
            }

            if (Overrides(type, nameof(IFrostingTask.Finally)))
            {
                builder.Finally(() => instance.Value.Finally(context));
            }

            result.Add((name, description));
        }

        return result;
    }

    private void RegisterLifetime(ICakeEngine engine, ICakeContext context, IServiceProvider services)
    {
        if (_lifetimeType is null)
        {
            return;
        }

        var lifetime = ActivatorUtilities.CreateInstance(services, _lifetimeType);
        var setup = _lifetimeType.GetMethod("Setup")!;
        var teardown = _lifetimeType.GetMethod("Teardown")!;
        engine.RegisterSetupAction(info => Invoke(() => setup.Invoke(lifetime, [context, info])));
        engine.RegisterTeardownAction(info => Invoke(() => teardown.Invoke(lifetime, [context, info])));
    }

    /// <summary>Reflection wraps exceptions in TargetInvocationException; unwrap so the real message reaches the user.</summary>
    private static object? Invoke(Func<object?> call)
    {
        try
        {
            return call();
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }

    public static string TaskName(Type type) =>
        type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name;

    private static bool Overrides(Type type, string method)
    {
        var m = type.GetMethods(BindingFlags.Instance | BindingFlags.Public).FirstOrDefault(x => x.Name == method);
        return m is not null && m.DeclaringType != m.GetBaseDefinition().DeclaringType;
    }

    private void WriteHelp(ICakeContext context)
    {
        _out.WriteLine("Usage: ./build.sh [--target=<task>] [--<parameter>=<value> ...]");
        _out.WriteLine();
        _out.WriteLine("Host options:");
        _out.WriteLine("  --target=<task>, -t       Task to run (default: Default). See --description.");
        _out.WriteLine("  --verbosity=<level>, -v   quiet | minimal | normal | verbose | diagnostic (default: normal).");
        _out.WriteLine("  --dryrun                  Print the tasks the target would run, in order; run nothing.");
        _out.WriteLine("  --exclusive, -e           Run only the target, not its dependencies.");
        _out.WriteLine("  --tree                    Print the task dependency graph (of --target when given).");
        _out.WriteLine("  --description             List the tasks with their descriptions.");
        _out.WriteLine("  --help, -h                This text.");
        if (_helpText is not null)
        {
            _out.WriteLine();
            _out.Write(_helpText(context));
        }
    }

    private void WriteDescriptions(IReadOnlyList<(string Name, string? Description)> tasks)
    {
        var width = tasks.Max(t => t.Name.Length) + 3;
        _out.WriteLine($"{"Task".PadRight(width)}Description");
        _out.WriteLine(new string('=', width + 40));
        foreach (var (name, description) in tasks.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            _out.WriteLine($"{name.PadRight(width)}{description}");
        }
    }

    private void WriteTree(IReadOnlyList<ICakeTaskInfo> tasks, string? target)
    {
        var byName = tasks.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);
        IEnumerable<ICakeTaskInfo> roots;
        if (target is not null)
        {
            if (!byName.TryGetValue(target, out var root))
            {
                throw new HostUsageException($"--target={target}: no such task (see --description)");
            }

            roots = [root];
        }
        else
        {
            // Roots are the tasks nothing depends on. Edges run from a dependency (Start) to its dependent (End);
            // IsDependeeOf edges are in the graph too.
            var graph = CakeGraphBuilder.Build(tasks);
            var isDependency = graph.Edges.Select(e => e.Start).ToHashSet(StringComparer.OrdinalIgnoreCase);
            roots = tasks.Where(t => !isDependency.Contains(t.Name)).OrderBy(t => t.Name, StringComparer.Ordinal);
        }

        var fullGraph = CakeGraphBuilder.Build(tasks);
        foreach (var root in roots)
        {
            _out.WriteLine(root.Name);
            WriteChildren(fullGraph, root.Name, string.Empty);
            _out.WriteLine();
        }
    }

    private void WriteChildren(CakeGraph graph, string name, string indent)
    {
        // Edges go from dependency to dependent: Start runs before End.
        var children = graph.Edges.Where(e => string.Equals(e.End, name, StringComparison.OrdinalIgnoreCase))
            .Select(e => e.Start).ToList();
        for (var i = 0; i < children.Count; i++)
        {
            var last = i == children.Count - 1;
            _out.WriteLine($"{indent}{(last ? "└── " : "├── ")}{children[i]}");
            WriteChildren(graph, children[i], indent + (last ? "    " : "│   "));
        }
    }

    private static void WriteError(ICakeLog log, Verbosity verbosity, Exception ex)
    {
        var root = ex;
        while (root is AggregateException { InnerExceptions.Count: 1 } or TargetInvocationException && root.InnerException is not null)
        {
            root = root.InnerException;
        }

        if (verbosity >= Verbosity.Diagnostic)
        {
            log.Error("Error: {0}", root);
        }
        else
        {
            log.Error("Error: {0}", root.Message);
        }
    }

    /// <summary>Tools come from the system (apt, PATH), never from Cake's #tool installer.</summary>
    private sealed class NoToolInstaller : IToolInstaller
    {
        public IEnumerable<FilePath> Install(Cake.Core.Packaging.PackageReference tool) =>
            throw new NotSupportedException($"Cake tool installation is not used by this build ({tool.OriginalString}); install it on PATH.");
    }
}

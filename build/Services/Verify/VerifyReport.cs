using Spectre.Console;
using Spectre.Console.Rendering;

namespace GpuImageBuilder.Build.Services.Verify;

/// <summary>VerifyInstance's results: the table (Spectre.Console, rendered to text so it goes through the build's log and its redactor) and the verdict.</summary>
public sealed record VerifyReport(string Target, IReadOnlyList<CheckResult> Results)
{
    public int Failed => Results.Count(r => r.Outcome == CheckOutcome.Failed);

    public int Passed => Results.Count(r => r.Outcome == CheckOutcome.Passed);

    public int NotRun => Results.Count(r => r.Outcome == CheckOutcome.NotRun);

    public string Summary => $"VerifyInstance {Target}: {Passed} passed, {Failed} failed, {NotRun} not run";

    public static string OutcomeText(CheckResult result) => result.Outcome switch
    {
        CheckOutcome.Passed => "passed",
        CheckOutcome.Failed => "FAILED",
        _ => $"not run: {result.Detail}",
    };

    /// <summary>The table as plain text (no colour: it also lands in CI logs), <paramref name="width"/> columns wide.</summary>
    public string Render(int width = 160)
    {
        var table = new Table().Border(TableBorder.Ascii).AddColumn("check").AddColumn("result").AddColumn("detail");
        foreach (var result in Results)
        {
            table.AddRow(
                new Text(result.Name),
                new Text(result.Outcome == CheckOutcome.NotRun ? "not run" : OutcomeText(result)),
                new Text(result.Detail));
        }

        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = width;
        console.Write(table);
        return writer.ToString().TrimEnd() + "\n" + Summary;
    }
}

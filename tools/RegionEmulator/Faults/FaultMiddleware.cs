using GpuImageBuilder.RegionEmulator.Api;

namespace GpuImageBuilder.RegionEmulator.Faults;

/// <summary>503 and 429 faults answer an API request before the region sees it, as a proxy in front of it would.</summary>
public static class FaultMiddleware
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next, FaultInjector faults)
    {
        if (context.Request.Path.StartsWithSegments("/api")
            && faults.Take(context.Request.Method, FaultKind.Unavailable, FaultKind.Throttle) is { } fault)
        {
            var answer = fault.Kind == FaultKind.Throttle
                ? RegionErrors.TooManyRequests(fault.RetryAfterSeconds)
                : RegionErrors.Unavailable("service unavailable (injected fault)");
            await answer.ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}

namespace GpuImageBuilder.RegionEmulator.Api;

/// <summary>The region's error answers: the status codes and error strings its handlers use.</summary>
public static class RegionErrors
{
    public static IResult BadRequest(string description) => Error(StatusCodes.Status400BadRequest, "invalid_request", description);

    public static IResult Unauthorized() => new WithHeader(
        Error(StatusCodes.Status401Unauthorized, "access_denied", "authentication failed"), "WWW-Authenticate", "Bearer");

    public static IResult Forbidden(string description) => Error(StatusCodes.Status403Forbidden, "forbidden", description);

    public static IResult NotFound(string description) => Error(StatusCodes.Status404NotFound, "not_found", description);

    public static IResult Conflict(string description) => Error(StatusCodes.Status409Conflict, "conflict", description);

    public static IResult Unprocessable(string description) =>
        Error(StatusCodes.Status422UnprocessableEntity, "unprocessable_content", description);

    // The spec's error enum has no word for these two; server_error is what its clients already handle.
    public static IResult Unavailable(string description) => Error(StatusCodes.Status503ServiceUnavailable, "server_error", description);

    public static IResult TooManyRequests(int retryAfterSeconds) => new WithHeader(
        Error(StatusCodes.Status429TooManyRequests, "server_error", "rate limit exceeded"),
        "Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static IResult Error(int status, string error, string description) =>
        Results.Json(new ErrorBody(error, description, Guid.NewGuid().ToString("N")), statusCode: status);

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}

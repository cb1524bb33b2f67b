using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace OPSource.Server.Tests;

/// <summary>
/// Makes a JIT test host resolve JSON metadata the way the Native AOT binary does: only from the
/// source-generated contexts the server configures (the reflection-based resolver, which the JIT adds
/// at the end of the chain and Native AOT does not have, is removed).
/// </summary>
internal static class SourceGeneratedJson
{
    public static void Only(IServiceCollection services) =>
        services.PostConfigure<Microsoft.AspNetCore.Http.Json.JsonOptions>(o => RemoveReflection(o.SerializerOptions));

    private static void RemoveReflection(JsonSerializerOptions options)
    {
        var chain = options.TypeInfoResolverChain;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i] is DefaultJsonTypeInfoResolver)
            {
                chain.RemoveAt(i);
            }
        }
    }
}

using LlmNotebooks.Cli;
using LlmNotebooks.Platform;

// Before anything else: the allocator can only be chosen when the process starts (see Tcmalloc).
Tcmalloc.RestartWithTcmallocIfAvailable();
return await CommandLine.RunAsync(args);

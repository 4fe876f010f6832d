{ pkgs }: {
  deps = [
    pkgs.python311
  ];
}

from cim_cli.cli import main

main()
